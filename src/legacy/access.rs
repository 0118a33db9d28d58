//! Whether the legacy connection could write. Every session the tool opens is READ ONLY, but
//! that is a promise of this code; a user with SELECT only is a promise of the server, which
//! survives a bug here or a mistyped command elsewhere. So a user that can write is refused
//! unless the operator says otherwise, and a user whose rights cannot be read is warned about.

use mysql_async::Conn;
use mysql_async::prelude::*;

/// Privileges that change data or schema in the legacy database.
const WRITES: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "DELETE HISTORY",
    "CREATE",
    "DROP",
    "ALTER",
    "INDEX",
    "TRIGGER",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "EXECUTE",
    "CREATE VIEW",
];

/// What the server says about the connected user's rights on the legacy database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteAccess {
    /// SELECT (and other reading rights) only.
    ReadOnly,
    /// The user holds these writing privileges, globally or on this database or its tables.
    Writable {
        user: String,
        privileges: Vec<String>,
    },
    /// The rights could not be read (e.g. they come through a role).
    Unknown { user: String, why: String },
}

// Grants as information_schema spells the grantee: 'user'@'host'.
const GRANTEE: &str = "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', \
     SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

/// Reads the connected user's privileges from information_schema.
pub async fn check(conn: &mut Conn) -> WriteAccess {
    let user = match conn
        .query_first::<Option<String>, _>("SELECT CURRENT_USER()")
        .await
    {
        Ok(u) => u.flatten().unwrap_or_default(),
        Err(e) => {
            return WriteAccess::Unknown {
                user: String::new(),
                why: e.to_string(),
            };
        }
    };
    let sql = format!(
        "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = {GRANTEE} \
         UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES \
           WHERE GRANTEE = {GRANTEE} AND DATABASE() LIKE TABLE_SCHEMA \
         UNION SELECT PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES \
           WHERE GRANTEE = {GRANTEE} AND TABLE_SCHEMA = DATABASE() \
         UNION SELECT PRIVILEGE_TYPE FROM information_schema.COLUMN_PRIVILEGES \
           WHERE GRANTEE = {GRANTEE} AND TABLE_SCHEMA = DATABASE()"
    );
    let granted: Vec<String> = match conn.query(sql).await {
        Ok(rows) => rows,
        Err(e) => {
            return WriteAccess::Unknown {
                user,
                why: e.to_string(),
            };
        }
    };
    let role = conn
        .query_first::<Option<String>, _>("SELECT CURRENT_ROLE()")
        .await
        .ok()
        .flatten()
        .flatten();
    judge(user, &granted, role)
}

/// The verdict from the privilege list (pure, so it is tested without a server).
pub fn judge(user: String, granted: &[String], role: Option<String>) -> WriteAccess {
    let mut privileges: Vec<String> = granted
        .iter()
        .map(|p| p.trim().to_ascii_uppercase())
        .filter(|p| WRITES.contains(&p.as_str()))
        .collect();
    privileges.sort();
    privileges.dedup();
    if !privileges.is_empty() {
        return WriteAccess::Writable { user, privileges };
    }
    match role.filter(|r| !r.is_empty() && r != "NONE") {
        Some(role) => WriteAccess::Unknown {
            user,
            why: format!("privileges granted through role {role} are not listed per user"),
        },
        None => WriteAccess::ReadOnly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn privs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn writing_privileges_are_named_and_reading_ones_are_not() {
        assert_eq!(
            judge(
                "ro@%".into(),
                &privs(&["SELECT", "SHOW VIEW", "USAGE"]),
                None
            ),
            WriteAccess::ReadOnly
        );
        assert_eq!(
            judge(
                "root@localhost".into(),
                &privs(&["SELECT", "update", "INSERT", "INSERT"]),
                None
            ),
            WriteAccess::Writable {
                user: "root@localhost".into(),
                privileges: privs(&["INSERT", "UPDATE"]),
            }
        );
        assert!(matches!(
            judge("r@%".into(), &privs(&["SELECT"]), Some("reader".into())),
            WriteAccess::Unknown { .. }
        ));
    }
}
