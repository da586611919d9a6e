//! E-mailing a voter the receipt of their cast ballot, when they ask
//! (spec/api.md §2.1). The server only sends: the address comes with the
//! voter's signed request, is checked against the member roll, used for this
//! one message and then forgotten; it is never stored, logged, or put next
//! to the ballot.

use std::fmt;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use psephos_election::receipt::Receipt;

/// The SMTP connection and what the messages say about the site.
pub struct ReceiptMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: Option<String>,
}

impl fmt::Debug for ReceiptMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiptMailer")
            .field("from", &self.from.to_string())
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// Why a receipt could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message could not be built (a bug, or an address lettre rejects).
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The SMTP server refused or could not be reached.
    #[error("the mail server did not take the message: {0}")]
    Send(String),
}

impl ReceiptMailer {
    /// A mailer sending from `from`; `public_url` (the site's address, e.g.
    /// `https://vote.example.org`) puts a link to the receipt check page in
    /// the message.
    pub fn new(
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
        public_url: Option<String>,
    ) -> Self {
        ReceiptMailer {
            transport,
            from,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
        }
    }

    /// Sends `receipt` to `to`, with the receipt file attached.
    pub async fn send(&self, to: Mailbox, title: &str, receipt: &Receipt) -> Result<(), MailError> {
        let message = self.compose(to, title, receipt)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Send(e.to_string()))
    }

    fn compose(&self, to: Mailbox, title: &str, receipt: &Receipt) -> Result<Message, MailError> {
        let short = receipt.tracking_code.short();
        let file =
            serde_json::to_vec_pretty(receipt).map_err(|e| MailError::Build(e.to_string()))?;
        let json =
            ContentType::parse("application/json").map_err(|e| MailError::Build(e.to_string()))?;
        let filename = format!("receipt-{}.json", short.replace('-', "").to_lowercase());
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Your vote receipt: {title}"))
            .multipart(
                MultiPart::mixed()
                    // Quoted-printable whatever the text: readable even
                    // raw, and the codes in it are never cut or re-encoded.
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .header(ContentTransferEncoding::QuotedPrintable)
                            .body(self.text(title, receipt)),
                    )
                    .singlepart(Attachment::new(filename).body(file, json)),
            )
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// The message's text: the tracking code, whether the ballot replaced
    /// an earlier one, and how to check it.
    fn text(&self, title: &str, receipt: &Receipt) -> String {
        let mut text = format!(
            "Your vote in \"{title}\" is recorded on the public ballot board.\n\n\
             Tracking code: {short}\n\
             Full tracking code: {full}\n\
             Position on the board: entry {leaf}\n",
            short = receipt.tracking_code.short(),
            full = receipt.tracking_code,
            leaf = receipt.leaf_index,
        );
        if let Some(earlier) = &receipt.supersedes {
            text.push_str(&format!(
                "\nThis vote replaces your earlier vote {}. Only your last vote counts.\n",
                earlier.short()
            ));
        }
        let check = match &self.public_url {
            Some(url) => format!("open {url}/receipt#{}", receipt.election_id),
            None => "open the receipt check page of the voting site".to_string(),
        };
        text.push_str(&format!(
            "\nTo check that your ballot is on the board, {check} and enter the \
             tracking code, or upload the attached receipt file. After the count, \
             the results page links the full election record, which anyone can \
             verify with psephos-verify.\n\n\
             Keep this message. The tracking code shows that your encrypted ballot \
             is on the board; it does not reveal how you voted, to you or to anyone \
             else. If you did not ask for this message, someone who has your voting \
             link did: contact the election organisers.\n"
        ));
        text
    }
}
