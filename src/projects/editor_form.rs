//! The staff's project form as typed: its fields back as they were sent,
//! the button pressed, and the goal and deadline read as people type them
//! (`3 000`, `2027-06-30`). Nothing here writes; `editor` does, once the
//! form is valid.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::model::{Draft, Project, Visibility};
use crate::model::{Amount, Currency};

/// Field name → translation key.
pub type Errors = BTreeMap<&'static str, &'static str>;

/// What the editor asked for with the button they pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Show the rendered description under the form; keep nothing.
    Preview,
    /// Keep it.
    Save,
}

/// The form's fields, as they are shown back.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Values {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    /// As typed, in the association's currency.
    pub goal: String,
    /// `YYYY-MM-DD` (a date input).
    pub deadline: String,
    pub visibility: String,
    pub volunteering: bool,
    pub volunteers_wanted: String,
    pub volunteer_roles: String,
}

impl Values {
    pub fn blank() -> Self {
        Self {
            visibility: Visibility::Public.as_str().to_owned(),
            ..Self::default()
        }
    }

    pub fn of(project: &Project) -> Self {
        Self {
            title: project.title.clone(),
            slug: project.slug.clone(),
            summary: project.summary.clone(),
            description: project.description.clone(),
            goal: project.goal.map(|g| g.decimal()).unwrap_or_default(),
            deadline: project.deadline.map(|d| d.to_string()).unwrap_or_default(),
            visibility: project.visibility.as_str().to_owned(),
            volunteering: project.volunteering,
            volunteers_wanted: project
                .volunteers_wanted
                .map(|n| n.to_string())
                .unwrap_or_default(),
            volunteer_roles: project.volunteer_roles.clone(),
        }
    }

    /// The fields and the button of a posted form.
    pub fn from_fields(fields: &[(String, String)]) -> (Self, Intent) {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        let values = Self {
            title: field("title"),
            slug: field("slug"),
            summary: field("summary"),
            description: field("description").replace("\r\n", "\n"),
            goal: field("goal"),
            deadline: field("deadline"),
            visibility: field("visibility"),
            volunteering: fields.iter().any(|(key, _)| key == "volunteering"),
            volunteers_wanted: field("volunteers_wanted"),
            volunteer_roles: field("volunteer_roles"),
        };
        let intent = match field("action").as_str() {
            "preview" => Intent::Preview,
            _ => Intent::Save,
        };
        (values, intent)
    }

    /// The draft to keep, or the errors to show beside the fields.
    pub fn draft(&self, currency: Currency) -> Result<Draft, Errors> {
        let mut errors = Errors::new();
        let goal = optional(&self.goal, |text| match Amount::parse(text, currency) {
            Ok(amount) if amount.is_positive() => Some(amount.minor()),
            _ => None,
        });
        let deadline = optional(&self.deadline, |text| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
        });
        let wanted = optional(&self.volunteers_wanted, |text| text.parse::<i32>().ok());
        let visibility = Visibility::parse(&self.visibility);
        let checks = [
            ("goal", goal.is_err(), "projects-error-goal"),
            ("deadline", deadline.is_err(), "projects-error-deadline"),
            (
                "volunteers_wanted",
                wanted.is_err(),
                "projects-error-wanted",
            ),
            (
                "visibility",
                visibility.is_none(),
                "projects-error-visibility",
            ),
        ];
        for (field, wrong, key) in checks {
            if wrong {
                errors.insert(field, key);
            }
        }
        let draft = Draft {
            title: self.title.clone(),
            slug: self.slug.clone(),
            summary: self.summary.clone(),
            description: self.description.clone(),
            goal_minor: goal.unwrap_or_default(),
            deadline: deadline.unwrap_or_default(),
            visibility: visibility.unwrap_or_default(),
            volunteering: self.volunteering,
            volunteers_wanted: wanted.unwrap_or_default(),
            volunteer_roles: self.volunteer_roles.clone(),
        };
        match draft.check() {
            Ok(draft) if errors.is_empty() => Ok(draft),
            Ok(_) => Err(errors),
            Err(invalid) => {
                for i in invalid {
                    errors.entry(i.field).or_insert(i.key);
                }
                Err(errors)
            }
        }
    }
}

/// An optional field: blank is `None`; otherwise `read` must make sense
/// of it (`Err` when it cannot).
fn optional<T>(text: &str, read: impl Fn(&str) -> Option<T>) -> Result<Option<T>, ()> {
    match text.trim() {
        "" => Ok(None),
        typed => read(typed).map(Some).ok_or(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_goal_and_a_deadline_are_read_as_people_type_them() {
        let (values, intent) = Values::from_fields(&typed(&[
            ("title", "Nouveau local vélo"),
            ("goal", "3 000"),
            ("deadline", "2027-06-30"),
            ("visibility", "members"),
            ("volunteering", "on"),
            ("volunteers_wanted", "8"),
            ("action", "preview"),
        ]));
        assert_eq!(intent, Intent::Preview);
        let draft = values.draft(Currency::EUR).ok().unwrap_or_default();
        assert_eq!(draft.goal_minor, Some(300_000));
        assert_eq!(
            draft.deadline.map(|d| d.to_string()).as_deref(),
            Some("2027-06-30")
        );
        assert_eq!(draft.visibility, Visibility::Members);
        assert_eq!(
            (draft.volunteering, draft.volunteers_wanted),
            (true, Some(8))
        );
    }

    #[test]
    fn each_bad_field_has_its_message() {
        let (values, _) = Values::from_fields(&typed(&[
            ("title", "T"),
            ("goal", "-5"),
            ("deadline", "demain"),
            ("visibility", "everyone"),
            ("volunteers_wanted", "beaucoup"),
        ]));
        let errors = values.draft(Currency::EUR).err().unwrap_or_default();
        let fields: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(
            fields,
            ["deadline", "goal", "visibility", "volunteers_wanted"]
        );
    }
}
