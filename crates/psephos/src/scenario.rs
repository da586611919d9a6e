//! The simulation's election: a referendum of many yes/no proposals that
//! every member answers, plus a regional delegate election (an open ballot,
//! choose one of the candidates) that differs per region.

use psephos_election::manifest::{BallotStyle, OptionEntry, Question, QuestionRule};

/// Regions of the default scenario, one ballot style each.
pub const REGIONS: [(&str, &str); 3] =
    [("north", "North"), ("south", "South"), ("london", "London")];

/// The questions and ballot styles: `proposals` referendum questions for
/// all, and per region one "choose 1 of `candidates`" question.
pub fn questions_and_styles(
    proposals: usize,
    candidates: usize,
) -> (Vec<Question>, Vec<BallotStyle>) {
    let mut questions: Vec<Question> = (1..=proposals)
        .map(|k| Question {
            id: format!("proposal-{k}"),
            text: format!("Rule change proposal {k}: should the conference adopt motion {k}?"),
            rule: QuestionRule::Referendum,
        })
        .collect();
    let referendum: Vec<String> = questions.iter().map(|q| q.id.clone()).collect();
    let mut styles = Vec::new();
    for (region, name) in REGIONS {
        let mut style_questions = referendum.clone();
        if candidates > 0 {
            let id = format!("delegate-{region}");
            questions.push(Question {
                id: id.clone(),
                text: format!("Choose the delegate for {name}"),
                rule: QuestionRule::Choose {
                    options: (1..=candidates)
                        .map(|c| OptionEntry {
                            id: format!("{region}-candidate-{c}"),
                            label: format!("Candidate {c} ({name})"),
                        })
                        .collect(),
                    min: 0,
                    max: 1,
                },
            });
            style_questions.push(id);
        }
        styles.push(BallotStyle {
            id: region.to_string(),
            name: name.to_string(),
            questions: style_questions,
        });
    }
    (questions, styles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_region_gets_the_referendum_and_only_its_own_delegate_question() {
        let (questions, styles) = questions_and_styles(17, 12);
        assert_eq!(questions.len(), 20);
        for (style, (region, _)) in styles.iter().zip(REGIONS) {
            assert_eq!(style.questions.len(), 18);
            assert_eq!(style.questions[17], format!("delegate-{region}"));
            assert!(style.questions[..17]
                .iter()
                .all(|q| q.starts_with("proposal-")));
        }
    }
}
