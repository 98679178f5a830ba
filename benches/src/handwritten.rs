//! `ilo-2009-adult-labour` screened by hand-written Rust, without herken: the yardstick the
//! comparison harness measures herken against.
//!
//! The same semantics as `rules/ilo-2009-adult-labour/ruleset.yaml` under `rules/README.md`:
//! tri-state answers (left out, `null` or `"unknown"` is unknown; yes/no also `"yes"`/`"no"`),
//! Kleene logic in conditions, the ILO/EC 2009 Delphi rule per dimension (unknown counts as
//! not present), the adult rule, herken's graded ladder, and "may rise" (the outcome with every
//! unknown indicator present). Cases are checked as herken checks them: unknown keys, wrong
//! types, out-of-range hours and unknown options are errors (only the first is reported).
//!
//! Two readers fill the same [`Case`]: [`Case::from_value`] over a parsed `serde_json::Value`
//! (a `match` per key) and serde's derive straight from text ([`Case::from_str`]).

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde_json::Value;

/// An answer that is yes, no or unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YesNo(pub Option<bool>);

/// Hours per week: a whole number from 0 to 168, or unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hours(pub Option<i64>);

/// Who holds the passport, or unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Passport(pub Option<Holder>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Myself,
    EmployerOrRecruiter,
    SomeoneElse,
    Nobody,
}

/// Why a case was refused (the first problem found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseError {
    NotAnObject,
    UnknownQuestion(String),
    WrongType(&'static str),
    OutOfBounds(i64),
    UnknownOption(String),
    Json(String),
}

impl YesNo {
    fn from_value(v: &Value) -> Result<Self, CaseError> {
        match v {
            Value::Null => Ok(Self(None)),
            Value::Bool(b) => Ok(Self(Some(*b))),
            Value::String(s) => yes_no_text(s),
            _ => Err(CaseError::WrongType("yesno")),
        }
    }
}

fn yes_no_text(s: &str) -> Result<YesNo, CaseError> {
    match s {
        "unknown" => Ok(YesNo(None)),
        "yes" => Ok(YesNo(Some(true))),
        "no" => Ok(YesNo(Some(false))),
        _ => Err(CaseError::WrongType("yesno")),
    }
}

impl Hours {
    fn from_value(v: &Value) -> Result<Self, CaseError> {
        match v {
            Value::Null => Ok(Self(None)),
            Value::String(s) if s == "unknown" => Ok(Self(None)),
            Value::Number(n) => {
                let h = n.as_i64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                });
                hours(h.ok_or(CaseError::WrongType("integer"))?)
            }
            _ => Err(CaseError::WrongType("integer")),
        }
    }
}

fn hours(h: i64) -> Result<Hours, CaseError> {
    if (0..=168).contains(&h) {
        Ok(Hours(Some(h)))
    } else {
        Err(CaseError::OutOfBounds(h))
    }
}

impl Passport {
    fn from_value(v: &Value) -> Result<Self, CaseError> {
        match v {
            Value::Null => Ok(Self(None)),
            Value::String(s) => passport_text(s),
            _ => Err(CaseError::WrongType("choice")),
        }
    }
}

fn passport_text(s: &str) -> Result<Passport, CaseError> {
    Ok(Passport(Some(match s {
        "unknown" => return Ok(Passport(None)),
        "myself" => Holder::Myself,
        "employer_or_recruiter" => Holder::EmployerOrRecruiter,
        "someone_else" => Holder::SomeoneElse,
        "none" => Holder::Nobody,
        other => return Err(CaseError::UnknownOption(other.to_owned())),
    })))
}

// Readers straight from JSON text, for the serde derive.

impl<'de> Deserialize<'de> for YesNo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = YesNo;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false, \"yes\", \"no\", null or \"unknown\"")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<YesNo, E> {
                Ok(YesNo(Some(b)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<YesNo, E> {
                Ok(YesNo(None))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<YesNo, E> {
                yes_no_text(s).map_err(|_| E::custom("wrong type for a yes/no question"))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Hours;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number from 0 to 168, null or \"unknown\"")
            }
            fn visit_i64<E: de::Error>(self, h: i64) -> Result<Hours, E> {
                hours(h).map_err(|_| E::custom("hours out of bounds"))
            }
            fn visit_u64<E: de::Error>(self, h: u64) -> Result<Hours, E> {
                hours(i64::try_from(h).unwrap_or(i64::MAX))
                    .map_err(|_| E::custom("hours out of bounds"))
            }
            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Hours, E> {
                if f.fract() == 0.0 && f.abs() < 9e15 {
                    self.visit_i64(f as i64)
                } else {
                    Err(E::custom("expected a whole number"))
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Hours, E> {
                Ok(Hours(None))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Hours, E> {
                match s {
                    "unknown" => Ok(Hours(None)),
                    _ => Err(E::custom("expected a whole number")),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Passport {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Passport;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an option id, null or \"unknown\"")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Passport, E> {
                Ok(Passport(None))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Passport, E> {
                passport_text(s).map_err(|_| E::custom("unknown option"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Declares [`Case`] with its yes/no questions, and its reader over a `serde_json::Value`.
macro_rules! intake {
    ($($yes_no:ident),* $(,)?) => {
        /// One intake: the 78 questions of `ilo-2009-adult-labour`, each possibly unknown.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Case {
            $(pub $yes_no: YesNo,)*
            pub hours_per_week: Hours,
            pub passport_held_by: Passport,
        }

        impl Case {
            /// Reads a parsed case.
            ///
            /// # Errors
            /// The first problem: not an object, an unknown key, a wrong type, ….
            pub fn from_value(v: &Value) -> Result<Case, CaseError> {
                let Value::Object(map) = v else {
                    return Err(CaseError::NotAnObject);
                };
                let mut case = Case::default();
                for (key, v) in map {
                    match key.as_str() {
                        $(stringify!($yes_no) => case.$yes_no = YesNo::from_value(v)?,)*
                        "hours_per_week" => case.hours_per_week = Hours::from_value(v)?,
                        "passport_held_by" => case.passport_held_by = Passport::from_value(v)?,
                        _ => return Err(CaseError::UnknownQuestion(key.clone())),
                    }
                }
                Ok(case)
            }
        }
    };
}

intake!(
    deceived_about_job,
    deceived_about_conditions,
    deceived_about_contract,
    deceived_about_family_reunification,
    deceived_about_housing,
    deceived_about_papers,
    deceived_about_travel,
    deceived_about_wages,
    deceived_by_marriage_promise,
    deceived_about_education,
    violence_during_recruitment,
    abducted_or_sold,
    documents_taken_during_recruitment,
    recruitment_debt,
    confined_during_recruitment,
    threatened_with_authorities_recruitment,
    threatened_with_exposure_recruitment,
    threatened_with_violence_recruitment,
    family_threatened_recruitment,
    money_withheld_recruitment,
    economic_need_at_recruitment,
    family_situation_at_recruitment,
    recruiter_used_family_problems,
    personal_situation_at_recruitment,
    insecure_status_at_recruitment,
    recruiter_used_irregular_status,
    recruiter_used_language_gap,
    recruiter_used_lack_of_information,
    told_false_things_about_authorities,
    told_false_success_stories,
    controlled_by_recruiters_before,
    emotionally_dependent_on_recruiter,
    recruiter_used_beliefs,
    difficult_past,
    could_not_arrange_travel_alone,
    situation_used_at_recruitment,
    no_day_off,
    dangerous_work,
    very_bad_working_conditions,
    labour_rules_broken,
    no_contract_or_insurance,
    forced_tasks,
    forced_into_crime,
    forced_against_coworkers,
    no_access_to_education,
    very_low_or_no_pay,
    pay_deductions_unclear,
    wages_withheld,
    debt_to_employer,
    bad_living_conditions,
    housing_from_employer,
    housing_lost_if_quit,
    depends_on_employer,
    necessities_withheld,
    cannot_find_way,
    confined_or_watched,
    violence_at_destination,
    threatened_with_violence,
    family_threatened,
    threatened_with_authorities,
    threatened_with_worse_work,
    threatened_with_exposure,
    told_to_lie,
    under_strong_influence,
    psychological_abuse,
    cannot_afford_to_leave,
    family_situation_keeps_you,
    afraid_of_authorities,
    situation_used_at_work,
    under_18,
    context_of_origin_risky,
    past_difficulties_now,
    personal_characteristics,
    organ_removal,
    forced_marriage,
    illegal_adoption_or_surrogacy,
);

impl Case {
    /// Reads a case from JSON text with serde's derive.
    ///
    /// # Errors
    /// Invalid JSON or the first problem with the case.
    #[expect(
        clippy::should_implement_trait,
        reason = "mirrors serde_json::from_str; FromStr would hide the error type"
    )]
    pub fn from_str(text: &str) -> Result<Case, CaseError> {
        serde_json::from_str(text).map_err(|e| CaseError::Json(e.to_string()))
    }
}

/// An indicator's state (the hand-written code needs no `error`: its conditions cannot fail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    Present,
    Absent,
    Unknown,
}

impl Tri {
    pub fn letter(self) -> char {
        match self {
            Tri::Present => 'p',
            Tri::Absent => 'a',
            Tri::Unknown => 'u',
        }
    }
}

/// The set's indicators: the 67 of the ILO/EC 2009 list, then 3 "other purposes".
pub const INDICATOR_COUNT: usize = ILO_INDICATOR_COUNT + OTHER_PURPOSES.len();

/// The ILO/EC 2009 indicators, each with a strength, in six dimensions.
pub const ILO_INDICATOR_COUNT: usize = 67;

/// An ILO indicator strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    Strong,
    Medium,
    Weak,
}

use Strength::{Medium as M, Strong as S, Weak as W};

/// The ILO indicator ids and strengths in the rule set's order; dimensions are contiguous runs.
pub const INDICATORS: [(&str, Strength); ILO_INDICATOR_COUNT] = [
    // 1 deceptive recruitment
    ("dr_deceived_nature_of_job", S),
    ("dr_deceived_conditions_of_work", M),
    ("dr_deceived_contract", M),
    ("dr_deceived_family_reunification", M),
    ("dr_deceived_housing", M),
    ("dr_deceived_legal_status", M),
    ("dr_deceived_travel_recruitment", M),
    ("dr_deceived_wages", M),
    ("dr_deceived_marriage_adoption", M),
    ("dr_deceived_education", W),
    // 2 coercive recruitment
    ("cr_violence", S),
    ("cr_abduction_forced_marriage_sale", M),
    ("cr_confiscation_of_documents", M),
    ("cr_debt_bondage", M),
    ("cr_isolation_confinement_surveillance", M),
    ("cr_threat_of_denunciation", M),
    ("cr_threat_to_inform_family", M),
    ("cr_threats_of_violence", M),
    ("cr_violence_on_family", M),
    ("cr_withholding_of_money", M),
    // 3 recruitment by abuse of vulnerability
    ("rv_abuse_of_difficult_family_situation", M),
    ("rv_abuse_of_illegal_status", M),
    ("rv_abuse_of_lack_of_education", M),
    ("rv_abuse_of_lack_of_information", M),
    ("rv_control_of_exploiters", M),
    ("rv_economic_reasons", M),
    ("rv_false_information_law_authorities", M),
    ("rv_false_information_successful_migration", M),
    ("rv_family_situation", M),
    ("rv_personal_situation", M),
    ("rv_psychological_emotional_dependency", M),
    ("rv_relationship_with_authorities", M),
    ("rv_abuse_of_cultural_religious_beliefs", W),
    ("rv_difficulties_in_the_past", W),
    ("rv_difficulty_organising_travel", W),
    ("rv_general_context", W),
    // 4 exploitative conditions of work
    ("ex_excessive_working_days_or_hours", S),
    ("ex_bad_living_conditions", M),
    ("ex_hazardous_work", M),
    ("ex_low_or_no_salary", M),
    ("ex_no_respect_of_labour_laws", M),
    ("ex_no_social_protection", M),
    ("ex_very_bad_working_conditions", M),
    ("ex_wage_manipulation", M),
    ("ex_no_access_to_education", W),
    // 5 coercion at destination
    ("cd_confiscation_of_documents", S),
    ("cd_debt_bondage", S),
    ("cd_isolation_confinement_surveillance", S),
    ("cd_violence", S),
    ("cd_forced_into_illicit_activities", M),
    ("cd_forced_tasks_or_clients", M),
    ("cd_forced_to_act_against_peers", M),
    ("cd_forced_to_lie", M),
    ("cd_threat_of_denunciation", M),
    ("cd_threat_of_worse_conditions", M),
    ("cd_threats_of_violence", M),
    ("cd_under_strong_influence", M),
    ("cd_violence_on_family", M),
    ("cd_withholding_of_wages", M),
    ("cd_threat_to_inform_family", W),
    // 6 abuse of vulnerability at destination
    ("vd_dependency_on_exploiters", M),
    ("vd_difficulty_living_in_unknown_area", M),
    ("vd_economic_reasons", M),
    ("vd_family_situation", M),
    ("vd_relationship_with_authorities", M),
    ("vd_difficulties_in_the_past", W),
    ("vd_personal_characteristics", W),
];

/// The "other purposes" dimension (Palermo purposes beyond labour; weight 1, no strength),
/// after the ILO indicators: positive when at least one is present.
pub const OTHER_PURPOSES: [&str; 3] = [
    "op_organ_removal",
    "op_forced_marriage",
    "op_illegal_adoption_or_surrogacy",
];

/// Every indicator id in the rule set's order.
pub fn indicator_ids() -> impl Iterator<Item = &'static str> {
    INDICATORS
        .iter()
        .map(|(id, _)| *id)
        .chain(OTHER_PURPOSES.iter().copied())
}

/// Where each dimension's indicators start and end in [`INDICATORS`].
const DIMENSIONS: [(usize, usize); 6] = [(0, 10), (10, 20), (20, 36), (36, 45), (45, 60), (60, 67)];

/// The outcomes, lowest first.
pub const OUTCOMES: [&str; 3] = ["no_signals", "signals_present", "possible_victim"];

/// The screening result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    pub states: [Tri; INDICATOR_COUNT],
    /// Index into [`OUTCOMES`].
    pub outcome: usize,
    pub may_rise: bool,
}

fn tri(b: Option<bool>) -> Tri {
    match b {
        Some(true) => Tri::Present,
        Some(false) => Tri::Absent,
        None => Tri::Unknown,
    }
}

/// Kleene `||`.
fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Kleene `&&`.
fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Screens one case.
pub fn screen(c: &Case) -> Screened {
    let y = |a: YesNo| tri(a.0);
    let states = [
        y(c.deceived_about_job),
        y(c.deceived_about_conditions),
        y(c.deceived_about_contract),
        y(c.deceived_about_family_reunification),
        y(c.deceived_about_housing),
        y(c.deceived_about_papers),
        y(c.deceived_about_travel),
        y(c.deceived_about_wages),
        y(c.deceived_by_marriage_promise),
        y(c.deceived_about_education),
        y(c.violence_during_recruitment),
        y(c.abducted_or_sold),
        y(c.documents_taken_during_recruitment),
        y(c.recruitment_debt),
        y(c.confined_during_recruitment),
        y(c.threatened_with_authorities_recruitment),
        y(c.threatened_with_exposure_recruitment),
        y(c.threatened_with_violence_recruitment),
        y(c.family_threatened_recruitment),
        y(c.money_withheld_recruitment),
        y(c.recruiter_used_family_problems),
        y(c.recruiter_used_irregular_status),
        y(c.recruiter_used_language_gap),
        y(c.recruiter_used_lack_of_information),
        y(c.controlled_by_recruiters_before),
        // obs.economic_need_at_recruitment && obs.situation_used_at_recruitment
        tri(and(
            c.economic_need_at_recruitment.0,
            c.situation_used_at_recruitment.0,
        )),
        y(c.told_false_things_about_authorities),
        y(c.told_false_success_stories),
        // obs.family_situation_at_recruitment && obs.situation_used_at_recruitment
        tri(and(
            c.family_situation_at_recruitment.0,
            c.situation_used_at_recruitment.0,
        )),
        // obs.personal_situation_at_recruitment && obs.situation_used_at_recruitment
        tri(and(
            c.personal_situation_at_recruitment.0,
            c.situation_used_at_recruitment.0,
        )),
        // obs.emotionally_dependent_on_recruiter && obs.situation_used_at_recruitment
        tri(and(
            c.emotionally_dependent_on_recruiter.0,
            c.situation_used_at_recruitment.0,
        )),
        // obs.insecure_status_at_recruitment && obs.situation_used_at_recruitment
        tri(and(
            c.insecure_status_at_recruitment.0,
            c.situation_used_at_recruitment.0,
        )),
        y(c.recruiter_used_beliefs),
        // obs.difficult_past && obs.situation_used_at_recruitment
        tri(and(c.difficult_past.0, c.situation_used_at_recruitment.0)),
        // obs.could_not_arrange_travel_alone && obs.situation_used_at_recruitment
        tri(and(
            c.could_not_arrange_travel_alone.0,
            c.situation_used_at_recruitment.0,
        )),
        // obs.context_of_origin_risky && obs.situation_used_at_recruitment
        tri(and(
            c.context_of_origin_risky.0,
            c.situation_used_at_recruitment.0,
        )),
        // obs.hours_per_week > 60 || obs.no_day_off
        tri(or(c.hours_per_week.0.map(|h| h > 60), c.no_day_off.0)),
        y(c.bad_living_conditions),
        y(c.dangerous_work),
        y(c.very_low_or_no_pay),
        y(c.labour_rules_broken),
        y(c.no_contract_or_insurance),
        // obs.very_bad_working_conditions || obs.necessities_withheld
        tri(or(
            c.very_bad_working_conditions.0,
            c.necessities_withheld.0,
        )),
        y(c.pay_deductions_unclear),
        y(c.no_access_to_education),
        // obs.passport_held_by in ["employer_or_recruiter"]
        tri(c
            .passport_held_by
            .0
            .map(|h| h == Holder::EmployerOrRecruiter)),
        y(c.debt_to_employer),
        y(c.confined_or_watched),
        y(c.violence_at_destination),
        y(c.forced_into_crime),
        y(c.forced_tasks),
        y(c.forced_against_coworkers),
        y(c.told_to_lie),
        y(c.threatened_with_authorities),
        y(c.threatened_with_worse_work),
        y(c.threatened_with_violence),
        // obs.under_strong_influence || obs.psychological_abuse
        tri(or(c.under_strong_influence.0, c.psychological_abuse.0)),
        y(c.family_threatened),
        y(c.wages_withheld),
        y(c.threatened_with_exposure),
        // obs.depends_on_employer || (obs.housing_from_employer && obs.housing_lost_if_quit)
        tri(or(
            c.depends_on_employer.0,
            and(c.housing_from_employer.0, c.housing_lost_if_quit.0),
        )),
        // obs.cannot_find_way && obs.situation_used_at_work
        tri(and(c.cannot_find_way.0, c.situation_used_at_work.0)),
        // obs.cannot_afford_to_leave && obs.situation_used_at_work
        tri(and(c.cannot_afford_to_leave.0, c.situation_used_at_work.0)),
        // obs.family_situation_keeps_you && obs.situation_used_at_work
        tri(and(
            c.family_situation_keeps_you.0,
            c.situation_used_at_work.0,
        )),
        // obs.afraid_of_authorities && obs.situation_used_at_work
        tri(and(c.afraid_of_authorities.0, c.situation_used_at_work.0)),
        // obs.past_difficulties_now && obs.situation_used_at_work
        tri(and(c.past_difficulties_now.0, c.situation_used_at_work.0)),
        // obs.personal_characteristics && obs.situation_used_at_work
        tri(and(
            c.personal_characteristics.0,
            c.situation_used_at_work.0,
        )),
        // other purposes
        y(c.organ_removal),
        y(c.forced_marriage),
        y(c.illegal_adoption_or_surrogacy),
    ];
    let outcome = decide(&states, false);
    let may_rise = decide(&states, true) > outcome;
    Screened {
        states,
        outcome,
        may_rise,
    }
}

/// The outcome for indicator states; `optimistic` takes every unknown indicator as present.
/// `positive_count() > 0 || present_count() > 0` gives "signals present"; the adult rule does
/// not read "other purposes".
fn decide(states: &[Tri; INDICATOR_COUNT], optimistic: bool) -> usize {
    let present = |s: Tri| s == Tri::Present || (optimistic && s == Tri::Unknown);
    let mut positive = [false; 6];
    let mut any_present = false;
    for (d, &(start, end)) in DIMENSIONS.iter().enumerate() {
        let (mut s, mut m, mut w) = (0u32, 0u32, 0u32);
        for i in start..end {
            if present(states[i]) {
                match INDICATORS[i].1 {
                    Strength::Strong => s += 1,
                    Strength::Medium => m += 1,
                    Strength::Weak => w += 1,
                }
            }
        }
        any_present |= s + m + w > 0;
        // The ILO/EC 2009 Delphi rule.
        positive[d] = s >= 2 || (s >= 1 && m + w >= 1) || m >= 3 || (m >= 2 && w >= 1);
    }
    // Other purposes: `positive: {at_least: 1}`.
    let other_purposes = states[ILO_INDICATOR_COUNT..].iter().any(|s| present(*s));
    any_present |= other_purposes;
    let [
        deceptive,
        coercive,
        vulnerability,
        exploitation,
        coercion_dest,
        vulnerability_dest,
    ] = positive;
    if (deceptive || coercive || vulnerability)
        && exploitation
        && (coercion_dest || vulnerability_dest)
    {
        2
    } else if positive.iter().any(|p| *p) || other_purposes || any_present {
        1
    } else {
        0
    }
}

/// Reads and screens a case given as a parsed `Value`.
///
/// # Errors
/// The first problem with the case.
pub fn screen_value(v: &Value) -> Result<Screened, CaseError> {
    Case::from_value(v).map(|c| screen(&c))
}

/// JSON validation only, the floor under every reader.
pub fn validate(text: &str) -> bool {
    serde_json::from_str::<IgnoredAny>(text).is_ok()
}
