//! Turns a placed chunk (rows + id offsets) into multi-row INSERT statements.
//!
//! Owns the SQL text of generated rows: text values are quoted by
//! `mysql_async::Value::as_sql(false)` (the session runs with `sql_mode=''`, so backslash
//! escapes apply), money is printed from integer cents through `rust_decimal`, dates are
//! printed from their parts, and zero dates as MySQL zero dates. Statements stay below
//! [`MAX_STATEMENT_BYTES`].

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDateTime, Timelike};
use mysql_async::Value;
use rust_decimal::Decimal;

use super::model::{Chunk, Flag, Offsets, Ref, When};

/// Upper bound of one INSERT statement (the server default max_allowed_packet is 16 MiB).
pub const MAX_STATEMENT_BYTES: usize = 4 << 20;

/// Collects rows of one table into statements.
struct Insert<'a> {
    head: &'static str,
    sql: String,
    rows: usize,
    out: &'a mut Vec<String>,
}

impl<'a> Insert<'a> {
    fn new(out: &'a mut Vec<String>, head: &'static str) -> Self {
        Insert {
            head,
            sql: String::new(),
            rows: 0,
            out,
        }
    }

    /// Starts a row; the caller writes the values, comma separated, then calls `end`.
    fn row(&mut self) -> &mut String {
        if self.rows == 0 {
            self.sql.reserve(1 << 16);
            self.sql.push_str(self.head);
            self.sql.push_str(" VALUES (");
        } else {
            self.sql.push_str(",(");
        }
        self.rows += 1;
        &mut self.sql
    }

    fn end(&mut self) {
        self.sql.push(')');
        if self.sql.len() >= MAX_STATEMENT_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.rows > 0 {
            self.out.push(std::mem::take(&mut self.sql));
            self.rows = 0;
        }
    }
}

impl Drop for Insert<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

fn text(s: &mut String, v: &str) {
    s.push_str(&Value::from(v).as_sql(false));
}

fn opt_text(s: &mut String, v: Option<&str>) {
    match v {
        Some(v) => text(s, v),
        None => s.push_str("NULL"),
    }
}

fn money(s: &mut String, cents: i64) {
    let _ = write!(s, "{}", Decimal::new(cents, 2));
}

fn datetime(s: &mut String, w: When) {
    match w {
        When::Null => s.push_str("NULL"),
        When::Zero => s.push_str("'0000-00-00 00:00:00'"),
        When::At(t) => push_time(s, t, true),
    }
}

fn date(s: &mut String, w: When) {
    match w {
        When::Null => s.push_str("NULL"),
        When::Zero => s.push_str("'0000-00-00'"),
        When::At(t) => push_time(s, t, false),
    }
}

fn push_time(s: &mut String, t: NaiveDateTime, with_time: bool) {
    let _ = write!(s, "'{:04}-{:02}-{:02}", t.year(), t.month(), t.day());
    if with_time {
        let _ = write!(s, " {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    }
    s.push('\'');
}

fn flag(s: &mut String, f: Flag) {
    s.push_str(match f {
        Flag::On => "'on'",
        Flag::Off => "'off'",
        Flag::Null => "NULL",
    });
}

fn opt_int(s: &mut String, v: Option<i64>) {
    match v {
        Some(v) => {
            let _ = write!(s, "{v}");
        }
        None => s.push_str("NULL"),
    }
}

/// Turns a chunk-local reference of table `t` (index in [`Offsets`]) into an id.
fn id(off: &Offsets, t: usize, r: Ref) -> i64 {
    match r {
        Ref::Local(i) => (off.0[t] + u64::from(i) + 1) as i64,
        Ref::Abs(v) => v,
    }
}

const USER: usize = 0;
const PROFILE: usize = 1;
const SUBACCOUNT: usize = 2;
const ITEM: usize = 3;
const ITEMPARAM: usize = 4;
const REWARD: usize = 5;
const EXPENSE: usize = 6;
const PAYMENT: usize = 7;

fn local_id(off: &Offsets, t: usize, i: usize) -> i64 {
    id(off, t, Chunk::local(i))
}

/// The INSERT statements of a chunk whose ids start after `off`.
pub fn statements(chunk: &Chunk, off: &Offsets) -> Vec<String> {
    let mut out = Vec::new();
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO account (id,name,registration_date,project)",
        );
        for a in &chunk.account {
            let s = ins.row();
            let _ = write!(s, "{},", a.id);
            text(s, &a.name);
            s.push(',');
            datetime(s, a.registration_date);
            let _ = write!(s, ",{}", a.project);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO `user` (id,account,level,name,email,realname,language,enabled,superuser,createdate,password)",
        );
        for (i, u) in chunk.user.iter().enumerate() {
            let s = ins.row();
            let _ = write!(s, "{},{},{},", local_id(off, USER, i), u.account, u.level);
            text(s, &u.name);
            s.push(',');
            opt_text(s, u.email.as_deref());
            s.push(',');
            opt_text(s, u.realname.as_deref());
            s.push(',');
            opt_text(s, u.language.as_deref());
            s.push(',');
            flag(s, u.enabled);
            s.push(',');
            flag(s, u.superuser);
            s.push(',');
            datetime(s, u.createdate);
            s.push(',');
            text(s, &u.password);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO profile (id,account,name,person,profiletype,email,phone,country_legal,postcode_legal,city_legal,address_legal,vatnum,vatpayer,createdate,nomigrate)",
        );
        for (i, p) in chunk.profile.iter().enumerate() {
            let s = ins.row();
            let _ = write!(s, "{},{},", local_id(off, PROFILE, i), p.account);
            text(s, &p.name);
            s.push(',');
            opt_text(s, p.person.as_deref());
            s.push(',');
            opt_int(s, p.profiletype.map(i64::from));
            for v in [
                &p.email,
                &p.phone,
                &p.country_legal,
                &p.postcode_legal,
                &p.city_legal,
                &p.address_legal,
                &p.vatnum,
            ] {
                s.push(',');
                opt_text(s, v.as_deref());
            }
            s.push(',');
            flag(s, p.vatpayer);
            s.push(',');
            datetime(s, p.createdate);
            s.push(',');
            flag(s, p.nomigrate);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO subaccount (id,account,currency,balance)",
        );
        for (i, a) in chunk.subaccount.iter().enumerate() {
            let s = ins.row();
            let _ = write!(
                s,
                "{},{},{},",
                local_id(off, SUBACCOUNT, i),
                a.account,
                a.currency
            );
            money(s, a.balance);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO item (id,account,pricelist,parent,status,name,createdate,opendate,expiredate,period,autoprolong,cost,currency)",
        );
        for (i, it) in chunk.item.iter().enumerate() {
            let s = ins.row();
            let _ = write!(
                s,
                "{},{},{},",
                local_id(off, ITEM, i),
                it.account,
                it.pricelist
            );
            opt_int(s, it.parent.map(|p| id(off, ITEM, p)));
            s.push(',');
            opt_int(s, it.status.map(i64::from));
            s.push(',');
            text(s, &it.name);
            s.push(',');
            datetime(s, it.createdate);
            s.push(',');
            datetime(s, it.opendate);
            s.push(',');
            date(s, it.expiredate);
            let _ = write!(s, ",{},{},", it.period, it.autoprolong);
            money(s, it.cost);
            let _ = write!(s, ",{}", it.currency);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(&mut out, "INSERT INTO itemparam (id,item,intname,value)");
        for (i, p) in chunk.itemparam.iter().enumerate() {
            let s = ins.row();
            let _ = write!(
                s,
                "{},{},",
                local_id(off, ITEMPARAM, i),
                id(off, ITEM, p.item)
            );
            text(s, p.intname);
            s.push(',');
            text(s, &p.value);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO account2project (account,project,affiliate,affiliatereferer)",
        );
        for a in &chunk.account2project {
            let s = ins.row();
            let _ = write!(s, "{},{},", a.account, a.project);
            opt_int(s, a.affiliate.map(i64::from));
            s.push(',');
            opt_int(s, a.affiliatereferer);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO affiliatereward (id,account,referral,amount,cdate,paid)",
        );
        for (i, r) in chunk.affiliatereward.iter().enumerate() {
            let s = ins.row();
            let _ = write!(
                s,
                "{},{},{},",
                local_id(off, REWARD, i),
                r.account,
                r.referral
            );
            money(s, r.amount);
            s.push(',');
            datetime(s, r.cdate);
            s.push(',');
            flag(s, r.paid);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO expense (id,subaccount,item,amount,cdate)",
        );
        for (i, e) in chunk.expense.iter().enumerate() {
            let s = ins.row();
            let _ = write!(
                s,
                "{},{},",
                local_id(off, EXPENSE, i),
                id(off, SUBACCOUNT, e.subaccount)
            );
            opt_int(s, e.item.map(|r| id(off, ITEM, r)));
            s.push(',');
            money(s, e.amount);
            s.push(',');
            datetime(s, e.cdate);
            ins.end();
        }
    }
    {
        let mut ins = Insert::new(
            &mut out,
            "INSERT INTO payment (id,subaccount,amount,paydate,status)",
        );
        for (i, p) in chunk.payment.iter().enumerate() {
            let s = ins.row();
            let _ = write!(
                s,
                "{},{},",
                local_id(off, PAYMENT, i),
                id(off, SUBACCOUNT, p.subaccount)
            );
            money(s, p.amount);
            s.push(',');
            datetime(s, p.paydate);
            let _ = write!(s, ",{}", p.status);
            ins.end();
        }
    }
    out
}
