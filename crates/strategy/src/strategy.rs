//! A compiled strategy and its evaluation: the stage a case is in, its segment, its
//! champion/challenger arm, and the treatments planned for it today.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use recoup_core::case::{CaseFacts, Stage};
use recoup_core::contact::Channel;
use recoup_core::Fen;

use crate::cond::{stage_index, Cond, Ctx};
use crate::file::channel_idx;

/// The bit of a segment mask that stands for "no segment matched".
pub(crate) const NO_SEGMENT_BIT: u64 = 1 << 63;

/// A parsed, checked and compiled strategy file. Cheap to share between threads (`Sync`);
/// evaluation takes `&self` and allocates nothing but the output rows.
#[derive(Debug, Clone)]
pub struct Strategy {
    pub(crate) name: Arc<str>,
    pub(crate) description: Option<String>,
    /// FNV-1a state after hashing the salt, so each case hashes only its id.
    pub(crate) salt_state: u64,
    pub(crate) stage_rules: Vec<StageRule>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) arms: Vec<Arm>,
    pub(crate) channel_costs: [Fen; Channel::ALL.len()],
}

/// One champion/challenger arm: its share of cases and the treatments it plans.
#[derive(Debug, Clone)]
pub struct Arm {
    pub(crate) name: Arc<str>,
    pub(crate) share: u32,
    pub(crate) description: Option<String>,
    /// The arm's treatments for each stage (by `stage_index`), sorted by priority then file
    /// order, so planning a case walks one short list.
    pub(crate) by_stage: [Vec<CompiledTreatment>; 8],
}

impl Arm {
    /// The arm's name as written in the file.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The arm's share of cases in percent.
    pub fn share(&self) -> u32 {
        self.share
    }

    /// The arm's description, if the file gave one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Every template id the arm's treatments use, each once, in order.
    pub fn templates(&self) -> std::collections::BTreeSet<&str> {
        self.by_stage
            .iter()
            .flatten()
            .map(|t| &*t.template)
            .collect()
    }

    /// How many treatments the arm can plan in a stage.
    pub fn treatment_count(&self, stage: Stage) -> usize {
        self.by_stage[stage_index(stage)].len()
    }
}

/// One treatment planned for a case on a date: what to do, through which channel, in which
/// queue, and why (stage, segment, arm). The strings are shared with the strategy, so a row
/// costs no allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTreatment {
    pub case_id: i64,
    /// The treatment's `id` in the file.
    pub treatment: Arc<str>,
    pub channel: Channel,
    pub template: Arc<str>,
    pub queue: Arc<str>,
    /// Lower numbers come first.
    pub priority: u32,
    pub stage: Stage,
    pub segment: Option<Arc<str>>,
    pub arm: Arc<str>,
    /// The day the action is due: the evaluation date plus the treatment's `offset_days`.
    pub due: NaiveDate,
    /// The cost weight of the contact, for champion/challenger cost reporting.
    pub cost: Fen,
}

/// What a strategy decided about a case, besides its treatments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub stage: Stage,
    /// Index into [`Strategy::segment_names`], or `None` when no segment matched.
    pub segment: Option<usize>,
    /// Index into [`Strategy::arms`].
    pub arm: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum StageTarget {
    Set(Stage),
    /// Keep the stage stored on the case (e.g. legal stays legal until cured).
    Keep,
}

#[derive(Debug, Clone)]
pub(crate) struct StageRule {
    pub(crate) when: Cond,
    pub(crate) target: StageTarget,
}

#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) name: Arc<str>,
    pub(crate) description: Option<String>,
    pub(crate) when: Cond,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledTreatment {
    pub(crate) id: Arc<str>,
    pub(crate) channel: Channel,
    pub(crate) template: Arc<str>,
    pub(crate) queue: Arc<str>,
    pub(crate) priority: u32,
    pub(crate) offset_days: u64,
    pub(crate) segment_mask: u64,
    /// Zero when the treatment is in no group.
    pub(crate) group_bit: u64,
    pub(crate) cost: Fen,
    pub(crate) when: Cond,
    pub(crate) file_order: usize,
}

impl Strategy {
    /// The strategy's name (from the file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The strategy's description, if the file gave one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The arms in file order (a single `champion` arm when the file declares none).
    pub fn arms(&self) -> &[Arm] {
        &self.arms
    }

    /// Segment names in priority (file) order; [`Decision::segment`] indexes this.
    pub fn segment_names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.segments.iter().map(|segment| &*segment.name)
    }

    /// A segment's description, if the file gave one.
    pub fn segment_description(&self, segment_idx: usize) -> Option<&str> {
        self.segments
            .get(segment_idx)
            .and_then(|segment| segment.description.as_deref())
    }

    /// The default cost weight of a channel (`[cost_fen]`; zero when not given).
    pub fn channel_cost(&self, channel: Channel) -> Fen {
        self.channel_costs[channel_idx(channel)]
    }

    /// The stage the case is in under this strategy: the first stage rule whose condition holds
    /// (reading `stage` as the stage stored on the case) decides; when none does, the stored
    /// stage stands.
    pub fn stage_for(&self, facts: &CaseFacts) -> Stage {
        let ctx = Ctx {
            facts,
            stage: facts.stage,
        };
        for rule in &self.stage_rules {
            if rule.when.eval(ctx) {
                return match rule.target {
                    StageTarget::Set(stage) => stage,
                    StageTarget::Keep => facts.stage,
                };
            }
        }
        facts.stage
    }

    /// The first segment (in file order) whose condition holds, with `stage` read as
    /// [`Strategy::stage_for`]'s answer.
    pub fn segment_for(&self, facts: &CaseFacts) -> Option<&str> {
        let stage = self.stage_for(facts);
        self.segment_index(Ctx { facts, stage })
            .map(|segment_idx| &*self.segments[segment_idx].name)
    }

    fn segment_index(&self, ctx: Ctx<'_>) -> Option<usize> {
        self.segments
            .iter()
            .position(|segment| segment.when.eval(ctx))
    }

    /// The arm a case belongs to: a stable hash of the salt (default: the strategy name) and
    /// the case id picks a bucket 0..100, and arms take consecutive buckets by share in file
    /// order. Same answer on every run and platform.
    pub fn arm_for(&self, case_id: i64) -> &Arm {
        &self.arms[self.arm_index(case_id)]
    }

    fn arm_index(&self, case_id: i64) -> usize {
        let bucket = arm_bucket(self.salt_state, case_id);
        let mut upper = 0;
        for (arm_idx, arm) in self.arms.iter().enumerate() {
            upper += arm.share;
            if bucket < upper {
                return arm_idx;
            }
        }
        // Shares add to 100 in a parsed strategy, so this is reached only by rounding
        // mistakes that validation rules out; the last arm is a safe answer.
        self.arms.len() - 1
    }

    /// Appends today's treatments for the case to `out` (in priority order) and returns the
    /// stage, segment and arm that chose them. The date is `facts.as_of`.
    ///
    /// A treatment that refers or places the case (asset preservation, legal, agency) moves the
    /// returned stage to that escalation, which the stage rules then keep until a cure.
    ///
    /// A treatment is planned when the case's stage is in its `stages`, its segment in its
    /// `segments` (if given), its arm in its `arms` (if given), its `when` holds, and no
    /// treatment of the same `group` with a smaller priority was planned already.
    pub fn evaluate(&self, facts: &CaseFacts, out: &mut Vec<PlannedTreatment>) -> Decision {
        let stage = self.stage_for(facts);
        let ctx = Ctx { facts, stage };
        let segment = self.segment_index(ctx);
        let arm_idx = self.arm_index(facts.case_id);
        let arm = &self.arms[arm_idx];
        let segment_bit = segment.map_or(NO_SEGMENT_BIT, |segment_idx| 1 << segment_idx);
        let mut groups_taken = 0u64;
        let first_planned = out.len();
        for treatment in &arm.by_stage[stage_index(stage)] {
            if treatment.segment_mask & segment_bit == 0
                || treatment.group_bit & groups_taken != 0
                || !treatment.when.eval(ctx)
            {
                continue;
            }
            groups_taken |= treatment.group_bit;
            out.push(PlannedTreatment {
                case_id: facts.case_id,
                treatment: treatment.id.clone(),
                channel: treatment.channel,
                template: treatment.template.clone(),
                queue: treatment.queue.clone(),
                priority: treatment.priority,
                stage,
                segment: segment.map(|segment_idx| self.segments[segment_idx].name.clone()),
                arm: arm.name.clone(),
                due: facts
                    .as_of
                    .checked_add_days(Days::new(treatment.offset_days))
                    .unwrap_or(facts.as_of),
                cost: treatment.cost,
            });
        }
        // A referral or placement moves the case to its stage (the most urgent one planned).
        let stage = out[first_planned..]
            .iter()
            .find_map(|t| t.channel.escalates_to())
            .unwrap_or(stage);
        Decision {
            stage,
            segment,
            arm: arm_idx,
        }
    }

    /// Appends today's treatments for the case to `out`; see [`Strategy::evaluate`].
    pub fn treatments(&self, facts: &CaseFacts, out: &mut Vec<PlannedTreatment>) {
        self.evaluate(facts, out);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(mut state: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        state ^= u64::from(*byte);
        state = state.wrapping_mul(FNV_PRIME);
    }
    state
}

/// FNV-1a over the salt's UTF-8 bytes and a 0xFF separator (no UTF-8 text contains that byte,
/// so salt and id never run together).
pub(crate) fn arm_salt(salt: &str) -> u64 {
    fnv1a(fnv1a(FNV_OFFSET, salt.as_bytes()), &[0xff])
}

/// The bucket 0..100 of a case: FNV-1a of the id's 8 little-endian bytes after the salt, then
/// the SplitMix64 finaliser. FNV alone leaves the low bits of nearby ids correlated, and the
/// bucket is taken modulo 100, so the finaliser spreads every input bit over the output.
pub(crate) fn arm_bucket(salt_state: u64, case_id: i64) -> u32 {
    let mut hash = fnv1a(salt_state, &case_id.to_le_bytes());
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^= hash >> 31;
    (hash % 100) as u32
}
