//! The invitation: subject, plain-text body and optional HTML body, from
//! templates with `{{placeholder}}`s. The defaults explain what the link
//! is, that it is personal, that it can be used again to change the vote,
//! and when voting is open.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use psephos_election::manifest::Manifest;

use crate::error::AuthorityError;
use crate::links::PersonalLink;

/// Placeholders a template may use.
pub const PLACEHOLDERS: [&str; 10] = [
    "name",
    "email",
    "link",
    "style",
    "style_name",
    "title",
    "organisation",
    "election_id",
    "opens",
    "closes",
];

/// The default subject.
pub const DEFAULT_SUBJECT: &str = "Your personal voting link: {{title}}";

/// The default plain-text body.
pub const DEFAULT_TEXT: &str = "Dear {{name}},

{{organisation}} is holding a ballot: {{title}}.

Voting opens {{opens}} and closes {{closes}}.

This is your personal voting link:

{{link}}

Open it in your browser to vote. The link is personal: whoever has it can
vote in your name, so please do not forward or share it. Nobody will ever
ask you for it.

You can open the same link again at any time while voting is open to
change your vote. Only your last ballot counts.

The part of the link after the # stays in your browser: it is never sent
to the voting server, which sees only that an eligible member voted.
";

/// The default HTML body (used with `--html`).
pub const DEFAULT_HTML: &str = "<!DOCTYPE html>
<html><body>
<p>Dear {{name}},</p>
<p>{{organisation}} is holding a ballot: <strong>{{title}}</strong>.</p>
<p>Voting opens {{opens}} and closes {{closes}}.</p>
<p>This is your personal voting link:</p>
<p><a href=\"{{link}}\">{{link}}</a></p>
<p>Open it in your browser to vote. The link is personal: whoever has it can
vote in your name, so please do not forward or share it. Nobody will ever
ask you for it.</p>
<p>You can open the same link again at any time while voting is open to
change your vote. Only your last ballot counts.</p>
<p>The part of the link after the # stays in your browser: it is never sent
to the voting server, which sees only that an eligible member voted.</p>
</body></html>
";

/// Checked templates and sender details.
#[derive(Clone, Debug)]
pub struct Composer {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    subject: String,
    text: String,
    html: Option<String>,
    opens: String,
    closes: String,
    title: String,
    organisation: String,
    election_id: String,
    domain: String,
}

/// A composed invitation for one member.
pub struct Invitation {
    /// The whole message, ready to send.
    pub message: Message,
    /// The subject as sent.
    pub subject: String,
}

impl Composer {
    /// Checks the sender, the templates (each must contain `{{link}}`, only
    /// known placeholders) and reads the voting window from the manifest.
    pub fn new(
        manifest: &Manifest,
        from: &str,
        reply_to: Option<&str>,
        subject: Option<String>,
        text: Option<String>,
        html: Option<String>,
    ) -> Result<Self, AuthorityError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| AuthorityError::Config(format!("bad --from address {from:?}: {e}")))?;
        let reply_to = reply_to
            .map(|r| {
                r.parse::<Mailbox>().map_err(|e| {
                    AuthorityError::Config(format!("bad --reply-to address {r:?}: {e}"))
                })
            })
            .transpose()?;
        let subject = subject.unwrap_or_else(|| DEFAULT_SUBJECT.to_string());
        let text = text.unwrap_or_else(|| DEFAULT_TEXT.to_string());
        check_template("subject", &subject, false)?;
        if subject.contains("{{link}}") {
            return Err(AuthorityError::Config(
                "the subject must not contain the link".into(),
            ));
        }
        check_template("text template", &text, true)?;
        if let Some(html) = &html {
            check_template("HTML template", html, true)?;
        }
        let (opens, closes) = manifest
            .window()
            .map_err(|source| AuthorityError::Manifest {
                path: "manifest".into(),
                source,
            })?;
        Ok(Composer {
            domain: from.email.domain().to_string(),
            from,
            reply_to,
            subject,
            text,
            html,
            opens: human_time(opens),
            closes: human_time(closes),
            title: manifest.title.clone(),
            organisation: manifest.organisation.clone(),
            election_id: manifest.election_id.clone(),
        })
    }

    /// The sender.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    fn values<'a>(
        &'a self,
        member: &'a PersonalLink,
        link: &'a str,
        style_name: &'a str,
    ) -> [(&'static str, &'a str); 10] {
        [
            ("name", member.name.as_str()),
            ("email", member.email.as_str()),
            ("link", link),
            ("style", member.style.as_str()),
            ("style_name", style_name),
            ("title", self.title.as_str()),
            ("organisation", self.organisation.as_str()),
            ("election_id", self.election_id.as_str()),
            ("opens", self.opens.as_str()),
            ("closes", self.closes.as_str()),
        ]
    }

    /// The subject and plain-text body for a member with `link` in place
    /// of their link (the real one, or a redacted one for a dry run).
    pub fn render_text(
        &self,
        member: &PersonalLink,
        link: &str,
        style_name: &str,
    ) -> (String, String) {
        let values = self.values(member, link, style_name);
        (
            render(&self.subject, &values, false),
            render(&self.text, &values, false),
        )
    }

    /// The member's invitation, with their real link.
    pub fn compose(&self, member: &PersonalLink, style_name: &str) -> Result<Invitation, String> {
        let address: Address = member
            .email
            .trim()
            .parse()
            .map_err(|e| format!("invalid address: {e}"))?;
        let to = Mailbox::new(Some(member.name.clone()), address);
        let (subject, text) = self.render_text(member, member.link(), style_name);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject.clone())
            .message_id(Some(format!("<{}@{}>", random_id(), self.domain)));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        let message = match &self.html {
            Some(html) => {
                let values = self.values(member, member.link(), style_name);
                builder.multipart(MultiPart::alternative_plain_html(
                    text,
                    render(html, &values, true),
                ))
            }
            None => builder.header(ContentType::TEXT_PLAIN).body(text),
        }
        .map_err(|e| format!("cannot build the message: {e}"))?;
        Ok(Invitation { message, subject })
    }
}

/// `2026-12-01T09:00:00Z` as `2026-12-01 09:00 UTC`.
fn human_time(time: std::time::SystemTime) -> String {
    let text = humantime::format_rfc3339_seconds(time).to_string();
    match (text.get(..10), text.get(11..16)) {
        (Some(date), Some(clock)) => format!("{date} {clock} UTC"),
        _ => text,
    }
}

/// A random message-id local part (not secret, only unique).
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    hex::encode(bytes)
}

/// Checks that every `{{…}}` names a placeholder and, if `needs_link`,
/// that `{{link}}` appears.
fn check_template(what: &str, template: &str, needs_link: bool) -> Result<(), AuthorityError> {
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(AuthorityError::Config(format!(
                "the {what} has an unclosed {{{{"
            )));
        };
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(AuthorityError::Config(format!(
                "the {what} uses {{{{{name}}}}}; the placeholders are {}",
                PLACEHOLDERS.join(", ")
            )));
        }
        rest = &after[end + 2..];
    }
    if needs_link && !template.contains("{{link}}") {
        return Err(AuthorityError::Config(format!(
            "the {what} must contain {{{{link}}}}"
        )));
    }
    if template.trim().is_empty() {
        return Err(AuthorityError::Config(format!("the {what} is empty")));
    }
    Ok(())
}

/// Replaces each `{{name}}` (spaces inside the braces allowed) by its
/// value, HTML-escaped if `html`. Templates are checked beforehand.
fn render(template: &str, values: &[(&str, &str)], html: bool) -> String {
    let mut out = String::with_capacity(template.len() + 128);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) if html => out.push_str(&escape_html(value)),
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[start..start + end + 4]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_and_escape() {
        let values = [("name", "Ann <&> O'Neil"), ("link", "https://v/vote#e.X")];
        assert_eq!(
            render("Hi {{name}}: {{ link }}", &values, false),
            "Hi Ann <&> O'Neil: https://v/vote#e.X"
        );
        assert_eq!(
            render("<p>{{name}}</p>", &values, true),
            "<p>Ann &lt;&amp;&gt; O&#39;Neil</p>"
        );
    }

    #[test]
    fn templates_must_name_known_placeholders_and_carry_the_link() {
        assert!(check_template("t", "{{link}} {{name}} {{ closes }}", true).is_ok());
        assert!(check_template("t", "{{name}}", true).is_err());
        assert!(check_template("t", "{{link}} {{secret}}", true).is_err());
        assert!(check_template("t", "{{link}} {{name", true).is_err());
        assert!(check_template("t", DEFAULT_TEXT, true).is_ok());
        assert!(check_template("t", DEFAULT_HTML, true).is_ok());
        assert!(check_template("t", DEFAULT_SUBJECT, false).is_ok());
    }

    #[test]
    fn times_read_as_utc() {
        let t = humantime::parse_rfc3339("2026-12-01T09:00:00Z").unwrap();
        assert_eq!(human_time(t), "2026-12-01 09:00 UTC");
    }
}
