//! Inspection speed with the shipped lexicons on typical 200-character collector notes and SMS
//! templates (mostly clean, some with hits), one core. Prints inspections per second as
//! criterion's throughput in elements.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use recoup_qa::Inspector;

/// Realistic notes of about 200 characters: clean reminders, warn-tier legal wording and
/// block-tier threats, in Chinese and English.
const NOTES: [&str; 4] = [
    "客户张先生本月车贷应还3200元，扣款失败，已电话联系本人，称工资延迟发放，承诺本周五前还款。已告知逾期罚息及对征信的影响，客户态度良好，表示理解。下次跟进日期已登记，如到期未还将安排外访并核实车辆使用情况。客户提出希望申请分期还款方案，已转组长审批。联系电话有效，短信送达正常，无异常情况。客户另称家中老人住院，近期开支较大，希望减免部分罚息，已记录原因并提交减免申请，等待审批结果后回电告知。",
    "客户失联三天，紧急联系人称不清楚其去向。车辆GPS显示停放于城东停车场，已安排外访员两人白天前往核实。如仍无法联系，将按流程发送律师函并移交法务，必要时向法院起诉并申请强制执行。严禁上门骚扰，严禁联系无关第三方，所有沟通均已录音备查，请质检复核。另查客户名下另有一笔二手车贷款正常还款，已备注供组长参考，下一步跟进计划已录入系统，预计三日内完成核实并反馈结果给风控部门。",
    "你这个老赖再不还钱，我们会上门找你，通知你单位和你家人，给你贴大字报让你社死，后果自负！我是法院的，逮捕令已经下来了，你就等着坐牢吧。每天打你电话，打到你还为止，赶紧去借钱还，额外手续费也要交。别以为换了号码我们就找不到你，我们知道你住哪，你自己看着办，别怪我们不客气，到时候别后悔，现在马上转到我个人账户。",
    "Called the borrower at 10:15; the auto-debit failed because of insufficient funds. He said his salary is late and promised to pay 320 dollars on Friday. Explained late fees and the credit report impact politely.",
];

fn inspections(c: &mut Criterion) {
    let Ok(inspector) = Inspector::shipped() else {
        return;
    };
    let mut group = c.benchmark_group("qa_inspect_200_char_notes");
    group.throughput(Throughput::Elements(NOTES.len() as u64));
    group.bench_function("shipped_lexicons", |b| {
        b.iter(|| {
            NOTES
                .iter()
                .map(|note| inspector.inspect(std::hint::black_box(note)).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, inspections);
criterion_main!(benches);
