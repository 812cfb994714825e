//! Reading a CSV file of people to invite: `email,name[,role]` with a header
//! row, UTF-8 with or without a byte-order mark, `,` or `;` between fields.
//! Every row is checked before anything is written; the result is either
//! the whole list or every problem found, each with its row and column.

use std::collections::HashMap;

use serde::Serialize;

use super::actions::Invitee;
use crate::accounts::Email;
use crate::auth::Role;

/// At most this many people per file…
pub const MAX_ROWS: usize = 5_000;
/// …and this many bytes.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The display name's limit (the table's CHECK).
pub const MAX_NAME: usize = 120;

/// One problem: `row` is the line number in the file (the header is row 1;
/// 0 for the file as a whole), `key` a translation key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: u64,
    pub column: &'static str,
    pub key: &'static str,
    /// What the row held, shortened (shown beside the message).
    pub value: String,
}

impl RowError {
    fn file(key: &'static str) -> Self {
        Self {
            row: 0,
            column: "",
            key,
            value: String::new(),
        }
    }

    fn at(row: u64, column: &'static str, key: &'static str, value: &str) -> Self {
        Self {
            row,
            column,
            key,
            value: value.chars().take(60).collect(),
        }
    }
}

/// A row that passed every check, with its line number.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub invitee: Invitee,
}

/// Column positions found in the header.
struct Columns {
    email: usize,
    name: usize,
    role: Option<usize>,
}

/// What a file holds: the good rows and the problems. The file may be used
/// only when `errors` is empty.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub errors: Vec<RowError>,
}

impl Parsed {
    fn refused(key: &'static str) -> Self {
        Self {
            rows: Vec::new(),
            errors: vec![RowError::file(key)],
        }
    }

    /// Adds more problems (found in the database), in row order.
    pub fn add(&mut self, errors: Vec<RowError>) {
        self.errors.extend(errors);
        self.errors.sort_by_key(|e| e.row);
    }
}

/// Parses the file and checks every row.
pub fn parse(bytes: &[u8]) -> Parsed {
    match read(bytes) {
        Ok(parsed) => parsed,
        Err(key) => Parsed::refused(key),
    }
}

fn read(bytes: &[u8]) -> Result<Parsed, &'static str> {
    if bytes.len() > MAX_BYTES {
        return Err("staff-csv-too-big");
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| "staff-csv-not-utf8")?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| "staff-csv-header")?;
    let columns = columns(header).ok_or("staff-csv-header")?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|_| "staff-csv-unreadable")?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() + errors.len() >= MAX_ROWS {
            return Err("staff-csv-too-many-rows");
        }
        match check_row(&record, &columns, line, &mut seen) {
            Ok(invitee) => rows.push(Row { line, invitee }),
            Err(mut found) => errors.append(&mut found),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err("staff-csv-empty");
    }
    Ok(Parsed { rows, errors })
}

/// `;` when the header row has more of them than commas (spreadsheets in
/// French locales write `;`).
fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c| header.matches(c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

fn columns(header: &csv::StringRecord) -> Option<Columns> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.to_lowercase().as_str()))
    };
    Some(Columns {
        email: find(&["email", "e-mail", "courriel", "adresse"])?,
        name: find(&["name", "nom"])?,
        role: find(&["role", "rôle"]),
    })
}

fn check_row(
    record: &csv::StringRecord,
    columns: &Columns,
    line: u64,
    seen: &mut HashMap<String, u64>,
) -> Result<Invitee, Vec<RowError>> {
    let cell = |i: usize| record.get(i).unwrap_or_default();
    let mut errors = Vec::new();
    let (email_text, name) = (cell(columns.email), cell(columns.name));
    let email = match Email::parse(email_text) {
        Ok(email) => Some(email),
        Err(_) if email_text.is_empty() => {
            errors.push(RowError::at(line, "email", "staff-csv-missing", ""));
            None
        }
        Err(_) if email_text.chars().count() > 254 => {
            errors.push(RowError::at(
                line,
                "email",
                "staff-csv-too-long",
                email_text,
            ));
            None
        }
        Err(_) => {
            errors.push(RowError::at(
                line,
                "email",
                "staff-csv-invalid-email",
                email_text,
            ));
            None
        }
    };
    if let Some(email) = &email
        && let Some(first) = seen.insert(email.as_str().to_lowercase(), line)
    {
        let mut error = RowError::at(line, "email", "staff-csv-duplicate", email.as_str());
        error.value = format!("{} (= {first})", error.value);
        errors.push(error);
    }
    if name.is_empty() {
        errors.push(RowError::at(line, "name", "staff-csv-missing", ""));
    } else if name.chars().count() > MAX_NAME
        || name.chars().any(crate::model::is_hidden_or_control)
    {
        errors.push(RowError::at(line, "name", "staff-csv-too-long", name));
    }
    let role_text = columns.role.map(cell).unwrap_or_default();
    let role = match role_text {
        "" => Some(Role::Member),
        text => text.to_lowercase().parse::<Role>().ok(),
    };
    if role.is_none() {
        errors.push(RowError::at(
            line,
            "role",
            "staff-csv-unknown-role",
            role_text,
        ));
    }
    match (email, role) {
        (Some(email), Some(role)) if errors.is_empty() => Ok(Invitee {
            email,
            name: name.to_owned(),
            role,
        }),
        _ => Err(errors),
    }
}

/// Marks the rows whose address already has an account.
pub fn already_members(rows: &[Row], taken: &[String]) -> Vec<RowError> {
    let taken: std::collections::HashSet<String> =
        taken.iter().map(|email| email.to_lowercase()).collect();
    rows.iter()
        .filter(|row| taken.contains(&row.invitee.email.as_str().to_lowercase()))
        .map(|row| {
            RowError::at(
                row.line,
                "email",
                "staff-csv-already-member",
                row.invitee.email.as_str(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(parsed: Parsed) -> Vec<(u64, &'static str, &'static str)> {
        parsed
            .errors
            .into_iter()
            .map(|e| (e.row, e.column, e.key))
            .collect()
    }

    #[test]
    fn reads_commas_semicolons_and_a_bom() {
        let rows = parse(b"email,name,role\na@example.org,Ann,admin\nb@example.org,Bob,\n").rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].invitee.role, Role::Admin);
        assert_eq!(rows[1].invitee.role, Role::Member);
        let rows = parse("\u{feff}Nom;Email\nÉlodie Brun;e@example.org\n".as_bytes()).rows;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].invitee.name, "Élodie Brun");
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn reports_every_bad_row_with_its_line_and_column() {
        let long = "x".repeat(121);
        let text = format!(
            "email,name,role\nok@example.org,Ok,\nnot-an-email,A,\nOK@example.org,B,\n\
             c@example.org,{long},\nd@example.org,D,king\n"
        );
        assert_eq!(
            keys(parse(text.as_bytes())),
            vec![
                (3, "email", "staff-csv-invalid-email"),
                (4, "email", "staff-csv-duplicate"),
                (5, "name", "staff-csv-too-long"),
                (6, "role", "staff-csv-unknown-role"),
            ]
        );
    }

    #[test]
    fn refuses_files_it_cannot_trust() {
        assert_eq!(
            keys(parse(b"mail,who\nx,y\n")),
            vec![(0, "", "staff-csv-header")]
        );
        assert_eq!(
            keys(parse(b"email,name\n")),
            vec![(0, "", "staff-csv-empty")]
        );
        assert_eq!(
            keys(parse(b"email,name\n\xff,x\n")),
            vec![(0, "", "staff-csv-not-utf8")]
        );
        let many: String = std::iter::once("email,name\n".to_owned())
            .chain((0..=MAX_ROWS).map(|i| format!("p{i}@example.org,P\n")))
            .collect();
        assert_eq!(
            keys(parse(many.as_bytes())),
            vec![(0, "", "staff-csv-too-many-rows")]
        );
    }
}
