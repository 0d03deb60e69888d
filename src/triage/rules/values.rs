//! What values of one field can pass a set of tests on it, worked out without a ticket: whether
//! tests contradict each other, and whether one test passing means another does. Answers are
//! sound: when unsure, "can pass" and "does not follow".

use super::{
    field::{Actual, Field, Kind, NumberRange},
    operator::{EPSILON, Op, Operand, Test},
};

/// Most candidate values (from `eq` / `in`) looked at; with more, nothing is concluded.
const MAX_CANDIDATES: usize = 256;

/// Whether some value of `field` may pass every one of `tests` (all on `field`).
pub(super) fn satisfiable(field: &Field, tests: &[&Test]) -> bool {
    if tests.iter().any(|t| !holds_somewhere(&t.op)) {
        return false;
    }
    match field.number_range() {
        Some(range) => !Numbers::of(range, tests).is_some_and(|n| n.is_empty()),
        None => match candidates(field, tests) {
            Some(values) => values.iter().any(|v| tests.iter().all(|t| t.op.holds_for(v))),
            None => true,
        },
    }
}

/// Whether every value of the field passing `b` also passes `a` (both on the same field).
pub(super) fn test_implies(b: &Test, a: &Test) -> bool {
    if b.field != a.field {
        return false;
    }
    if same_op(&b.op, &a.op) {
        return true;
    }
    if let Some(range) = b.field.number_range() {
        return Numbers::of(range, &[b]).is_some_and(|n| n.all_pass(&a.op));
    }
    if let Some(values) = candidates(&b.field, &[b]) {
        return !values.is_empty() && values.iter().all(|v| a.op.holds_for(v));
    }
    let list = b.field.kind() == Kind::List;
    let positive = matches!(b.op, Op::In(_) | Op::Contains(_) | Op::ContainsAny(_) | Op::Matches(_) | Op::Eq(_));
    match (&b.op, &a.op) {
        (_, Op::Exists(true)) => positive && holds_somewhere(&b.op),
        (Op::Contains(x), Op::Contains(y)) => {
            if list {
                x == y
            } else {
                x.contains(y.as_str())
            }
        }
        (Op::Contains(x), Op::ContainsAny(ys)) => ys.iter().any(|y| if list { x == y } else { x.contains(y.as_str()) }),
        (Op::ContainsAny(xs), Op::Contains(y)) => {
            !xs.is_empty() && xs.iter().all(|x| if list { x == y } else { x.contains(y.as_str()) })
        }
        (Op::ContainsAny(xs), Op::ContainsAny(ys)) => {
            !xs.is_empty() && xs.iter().all(|x| ys.iter().any(|y| if list { x == y } else { x.contains(y.as_str()) }))
        }
        (Op::Contains(x), Op::In(ys)) if list => ys.contains(&Operand::Text(x.clone())),
        (Op::ContainsAny(_) | Op::In(_), Op::ContainsAny(_) | Op::In(_)) if list => {
            let elements = list_elements(&b.op);
            let allowed = list_elements(&a.op);
            !elements.is_empty() && elements.iter().all(|x| allowed.contains(x))
        }
        _ => false,
    }
}

/// Whether two operators are the same test.
pub(super) fn same_op(a: &Op, b: &Op) -> bool {
    match (a, b) {
        (Op::Eq(x), Op::Eq(y)) | (Op::Ne(x), Op::Ne(y)) => x == y,
        (Op::In(x), Op::In(y)) => x == y,
        (Op::Contains(x), Op::Contains(y)) => x == y,
        (Op::ContainsAny(x), Op::ContainsAny(y)) => x == y,
        (Op::Matches(x), Op::Matches(y)) => x.as_str() == y.as_str(),
        (Op::Gt(x), Op::Gt(y)) | (Op::Gte(x), Op::Gte(y)) | (Op::Lt(x), Op::Lt(y)) | (Op::Lte(x), Op::Lte(y)) => x == y,
        (Op::Exists(x), Op::Exists(y)) => x == y,
        _ => false,
    }
}

/// Whether an operator can hold at all (empty `in` / `contains_any` lists never do).
fn holds_somewhere(op: &Op) -> bool {
    !matches!(op, Op::In(v) if v.is_empty()) && !matches!(op, Op::ContainsAny(v) if v.is_empty())
}

/// The texts an `in` or `contains_any` on a list field looks for.
fn list_elements(op: &Op) -> Vec<String> {
    match op {
        Op::ContainsAny(xs) => xs.clone(),
        Op::In(xs) => xs.iter().filter_map(|x| if let Operand::Text(s) = x { Some(s.clone()) } else { None }).collect(),
        _ => Vec::new(),
    }
}

/// The only values a non-number field can have to pass `tests`, when some test pins them down
/// (`eq`, `in`, `exists: false`); `None` when none does or there are too many.
fn candidates(field: &Field, tests: &[&Test]) -> Option<Vec<Actual<'static>>> {
    let list = field.kind() == Kind::List;
    let values = tests.iter().find_map(|t| match &t.op {
        Op::Exists(false) => Some(vec![if list { Actual::List(&[]) } else { Actual::Text(None) }]),
        Op::Eq(v) if !list => Some(vec![actual(v)]),
        Op::In(vs) if !list => Some(vs.iter().map(actual).collect()),
        _ => None,
    })?;
    (values.len() <= MAX_CANDIDATES).then_some(values)
}

fn actual(operand: &Operand) -> Actual<'static> {
    match operand {
        Operand::Text(s) => Actual::Text(Some(s.clone())),
        Operand::Number(n) => Actual::Number(*n),
        Operand::Bool(b) => Actual::Bool(*b),
    }
}

/// The numbers that may pass a set of tests: an interval, maybe narrowed to points (`in`), minus
/// exact values an `ne` rules out.
struct Numbers {
    lo: f64,
    lo_open: bool,
    hi: f64,
    hi_open: bool,
    whole: bool,
    points: Option<Vec<f64>>,
    equal: Vec<f64>,
    not_equal: Vec<f64>,
}

impl Numbers {
    /// The numbers of `range` that may pass `tests`; `None` when a test is not about numbers.
    fn of(range: NumberRange, tests: &[&Test]) -> Option<Numbers> {
        let mut n = Numbers {
            lo: range.min,
            lo_open: false,
            hi: range.max,
            hi_open: false,
            whole: range.whole,
            points: None,
            equal: Vec::new(),
            not_equal: Vec::new(),
        };
        for test in tests {
            match &test.op {
                Op::Gt(v) => n.above(*v, true),
                Op::Gte(v) => n.above(*v, false),
                Op::Lt(v) => n.below(*v, true),
                Op::Lte(v) => n.below(*v, false),
                Op::Eq(Operand::Number(v)) => {
                    // Equality has a tolerance: widen it so that nothing that passes is left out.
                    n.above(v - 2.0 * EPSILON, false);
                    n.below(v + 2.0 * EPSILON, false);
                    n.equal.push(*v);
                }
                Op::Ne(Operand::Number(v)) => n.not_equal.push(*v),
                Op::In(items) => {
                    let new: Vec<f64> =
                        items.iter().filter_map(|i| if let Operand::Number(v) = i { Some(*v) } else { None }).collect();
                    n.points = Some(match n.points.take() {
                        None => new,
                        Some(old) => {
                            old.into_iter().filter(|p| new.iter().any(|q| (p - q).abs() <= 3.0 * EPSILON)).collect()
                        }
                    });
                }
                _ => return None,
            }
        }
        Some(n)
    }

    fn above(&mut self, v: f64, open: bool) {
        if v > self.lo || (v == self.lo && open) {
            (self.lo, self.lo_open) = (v, open);
        }
    }

    fn below(&mut self, v: f64, open: bool) {
        if v < self.hi || (v == self.hi && open) {
            (self.hi, self.hi_open) = (v, open);
        }
    }

    /// Whether no number can pass, surely.
    fn is_empty(&self) -> bool {
        if self.equal.iter().any(|e| self.not_equal.contains(e))
            || !self.has_value(self.lo, self.lo_open, self.hi, self.hi_open)
        {
            return true;
        }
        match &self.points {
            None => false,
            Some(points) => !points.iter().any(|p| {
                let (lo, lo_open) =
                    if p - 2.0 * EPSILON > self.lo { (p - 2.0 * EPSILON, false) } else { (self.lo, self.lo_open) };
                let (hi, hi_open) =
                    if p + 2.0 * EPSILON < self.hi { (p + 2.0 * EPSILON, false) } else { (self.hi, self.hi_open) };
                !self.not_equal.contains(p) && self.has_value(lo, lo_open, hi, hi_open)
            }),
        }
    }

    /// Whether the interval holds a value (a whole one for whole-number fields).
    fn has_value(&self, lo: f64, lo_open: bool, hi: f64, hi_open: bool) -> bool {
        if lo > hi || (lo == hi && (lo_open || hi_open)) {
            return false;
        }
        if self.whole {
            let mut k = lo.ceil();
            if lo_open && k == lo {
                k += 1.0;
            }
            return k < hi || (k == hi && !hi_open);
        }
        true
    }

    /// Whether every number that may pass these tests passes `op`.
    fn all_pass(&self, op: &Op) -> bool {
        let (lo, lo_open, hi, hi_open) = match &self.points {
            None => (self.lo, self.lo_open, self.hi, self.hi_open),
            Some(points) if !points.is_empty() => {
                let lo = points.iter().fold(f64::INFINITY, |m, p| m.min(p - 2.0 * EPSILON)).max(self.lo);
                let hi = points.iter().fold(f64::NEG_INFINITY, |m, p| m.max(p + 2.0 * EPSILON)).min(self.hi);
                (lo, false, hi, false)
            }
            Some(_) => return false,
        };
        match op {
            Op::Gte(v) => lo >= *v,
            Op::Gt(v) => lo > *v || (lo == *v && lo_open),
            Op::Lte(v) => hi <= *v,
            Op::Lt(v) => hi < *v || (hi == *v && hi_open),
            _ => false,
        }
    }
}
