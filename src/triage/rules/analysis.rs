//! Reasoning about rule conditions without a ticket, for the lint: whether a condition can never
//! hold, always holds, or holds whenever another one does. Answers are sound: when the reasoning
//! cannot tell, a condition "may hold", "may fail" and "does not follow".

use super::{
    condition::Condition,
    field::Field,
    operator::{Op, Test},
    values::{same_op, satisfiable, test_implies},
};

/// Most tests on one field compared pair by pair.
const MAX_PAIRWISE: usize = 64;

/// Why a condition can never hold: the part at fault and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Never {
    /// Path of the part (`when.all[1]`).
    pub path: String,
    /// Why it never holds.
    pub reason: String,
}

/// Why the condition at `path` can never hold, if it surely cannot.
pub fn never(condition: &Condition, path: &str) -> Option<Never> {
    match condition {
        Condition::All(items) => {
            let mut tests: Vec<(String, &Test)> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}.all[{i}]");
                if let Some(found) = never(item, &item_path) {
                    return Some(found);
                }
                conjuncts(item, item_path, &mut tests);
            }
            contradiction(&tests)
        }
        Condition::Any(items) if items.is_empty() => {
            Some(Never { path: path.to_owned(), reason: "`any: []` has no alternatives, so it never holds".into() })
        }
        Condition::Any(items) => {
            let mut first = None;
            for (i, item) in items.iter().enumerate() {
                let found = never(item, &format!("{path}.any[{i}]"))?;
                first.get_or_insert(found);
            }
            let first = first?;
            let reason = format!("none of its alternatives can hold ({}: {})", first.path, first.reason);
            Some(Never { path: path.to_owned(), reason })
        }
        Condition::Not(inner) => always(inner).then(|| Never {
            path: path.to_owned(),
            reason: "`not` of a condition that always holds never holds".into(),
        }),
        Condition::Test(test) => contradiction(&[(path.to_owned(), test)]),
    }
}

/// Whether the condition surely holds for every ticket.
pub fn always(condition: &Condition) -> bool {
    match condition {
        Condition::All(items) => items.iter().all(always),
        Condition::Any(items) => items.iter().any(always),
        Condition::Not(inner) => never(inner, "").is_some(),
        Condition::Test(_) => false,
    }
}

/// Whether two conditions are written the same (up to layout and the case of names).
pub fn same(a: &Condition, b: &Condition) -> bool {
    match (a, b) {
        (Condition::All(x), Condition::All(y)) | (Condition::Any(x), Condition::Any(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Condition::Not(x), Condition::Not(y)) => same(x, y),
        (Condition::Test(x), Condition::Test(y)) => x.field == y.field && same_op(&x.op, &y.op),
        _ => false,
    }
}

/// The tests that must all hold for `condition` to hold: itself, or those of nested `all`s.
fn conjuncts<'a>(condition: &'a Condition, path: String, out: &mut Vec<(String, &'a Test)>) {
    match condition {
        Condition::Test(test) => out.push((path, test)),
        Condition::All(items) => {
            for (i, item) in items.iter().enumerate() {
                conjuncts(item, format!("{path}.all[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Why tests that must all hold cannot, if they surely cannot: one test alone, two that contradict
/// each other, or all the tests on one field together.
fn contradiction(tests: &[(String, &Test)]) -> Option<Never> {
    let mut fields: Vec<&Field> = Vec::new();
    for (_, test) in tests {
        if !fields.contains(&&test.field) {
            fields.push(&test.field);
        }
    }
    for field in fields {
        let on_field: Vec<&(String, &Test)> = tests.iter().filter(|(_, t)| t.field == *field).collect();
        for (path, test) in &on_field {
            if !satisfiable(field, &[test]) {
                return Some(Never { path: path.clone(), reason: alone(test) });
            }
        }
        if on_field.len() <= MAX_PAIRWISE {
            for (j, (path, later)) in on_field.iter().enumerate() {
                for (earlier_path, earlier) in &on_field[..j] {
                    if !satisfiable(field, &[earlier, later]) {
                        let reason = format!("{later} contradicts {earlier} at {earlier_path}");
                        return Some(Never { path: path.clone(), reason });
                    }
                }
            }
        }
        let all: Vec<&Test> = on_field.iter().map(|(_, t)| *t).collect();
        if !satisfiable(field, &all) {
            let list: Vec<String> = all.iter().map(|t| t.to_string()).collect();
            let path = on_field.last().map_or_else(String::new, |(p, _)| p.clone());
            return Some(Never {
                path,
                reason: format!("no value of {} passes all of: {}", field.name(), list.join("; ")),
            });
        }
    }
    None
}

/// Why one test alone never holds.
fn alone(test: &Test) -> String {
    let name = test.field.name();
    if matches!(&test.op, Op::In(v) if v.is_empty()) || matches!(&test.op, Op::ContainsAny(v) if v.is_empty()) {
        return format!("{test} lists no values, so it never holds");
    }
    match test.field.number_range() {
        Some(r) if r.whole && r.max.is_infinite() => {
            format!("{test} never holds: {name} is a whole number of at least {}", r.min)
        }
        Some(r) => format!("{test} never holds: {name} is between {} and {}", r.min, r.max),
        None => format!("{test} never holds"),
    }
}

/// Proves implications within a budget of steps shared by all of them, so that no rules file
/// makes the lint slow; what the budget does not cover is not proven.
pub struct Prover {
    steps_left: usize,
}

impl Prover {
    /// A prover that takes at most `steps` steps in all.
    pub fn with_budget(steps: usize) -> Prover {
        Prover { steps_left: steps }
    }

    /// Whether `a` surely holds whenever `b` does.
    pub fn implies(&mut self, b: &Condition, a: &Condition) -> bool {
        if self.steps_left == 0 {
            return false;
        }
        self.steps_left -= 1;
        if always(a) || same(a, b) {
            return true;
        }
        let by_parts_of_a = match a {
            Condition::All(xs) => xs.iter().all(|x| self.implies(b, x)),
            Condition::Any(xs) => xs.iter().any(|x| self.implies(b, x)),
            _ => false,
        };
        by_parts_of_a
            || match b {
                Condition::All(ys) => ys.iter().any(|y| self.implies(y, a)),
                Condition::Any(ys) => !ys.is_empty() && ys.iter().all(|y| self.implies(y, a)),
                Condition::Not(_) => false,
                Condition::Test(tb) => matches!(a, Condition::Test(ta) if test_implies(tb, ta)),
            }
    }
}
