//! The loan tape (放款明细): one row per booked loan with its borrower and vehicle. This module
//! holds the column set and turns a [`Table`] into [`BookedLoan`]s, checking every field and the
//! rules that span fields and rows.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use recoup_core::book::{
    Address, BookedLoan, Borrower, EmergencyContact, GeoError, GeoPoint, GpsProtocol, GpsTerminal,
    LienStatus, Relation, Vehicle,
};
use recoup_core::identity::{NationalId, Phone, Vin};
use recoup_core::loan::{LoanTerms, Product, RepaymentMethod, TermsError, MAX_TERM_MONTHS};
use recoup_core::AnnualRate;

use crate::cells::{Kind, Reported, RowReader, Table};
use crate::checks;
use crate::columns::{opt, req, ColumnSpec, Columns};
use crate::errors::Collector;
use crate::TapeOptions;

/// The loan-tape columns in the order the writer puts them, with their Chinese aliases.
pub(crate) const LOAN_COLUMNS: &[ColumnSpec] = &[
    req("loan_no", &["合同号", "合同编号", "贷款编号"]),
    req("product", &["产品", "产品类型"]),
    req("principal", &["贷款本金", "本金", "放款金额"]),
    req("annual_rate_percent", &["年利率", "年利率(%)", "年利率%"]),
    req("term_months", &["期数", "贷款期数", "期限(月)"]),
    req("method", &["还款方式"]),
    req("disbursement_date", &["放款日期", "放款日"]),
    opt("repayment_day", &["还款日", "每月还款日"]),
    req("auto_debit_account", &["代扣账号", "还款账号"]),
    opt("dealer", &["经销商"]),
    req("borrower_name", &["借款人姓名", "借款人", "姓名"]),
    req("national_id", &["身份证号", "身份证号码"]),
    req("phones", &["手机号", "手机号码", "联系电话"]),
    req("home_address", &["家庭住址", "居住地址"]),
    opt("home_lat", &["家庭纬度", "居住地纬度"]),
    opt("home_lng", &["家庭经度", "居住地经度"]),
    opt("work_address", &["单位地址", "工作地址"]),
    opt("work_lat", &["单位纬度"]),
    opt("work_lng", &["单位经度"]),
    opt("time_zone", &["时区"]),
    opt("contact1_name", &["联系人1姓名"]),
    opt("contact1_relation", &["联系人1关系"]),
    opt("contact1_phone", &["联系人1电话"]),
    opt("contact2_name", &["联系人2姓名"]),
    opt("contact2_relation", &["联系人2关系"]),
    opt("contact2_phone", &["联系人2电话"]),
    opt("contact3_name", &["联系人3姓名"]),
    opt("contact3_relation", &["联系人3关系"]),
    opt("contact3_phone", &["联系人3电话"]),
    req("vin", &["车架号", "车辆识别代号"]),
    opt("plate", &["车牌号", "车牌"]),
    req("make", &["品牌", "车辆品牌"]),
    req("model", &["车型"]),
    req("model_year", &["年款", "车型年款"]),
    req("vehicle_price", &["车辆价格", "车价"]),
    req("lien_status", &["抵押状态", "抵押登记状态"]),
    opt("lien_date", &["抵押登记日期", "抵押日期"]),
    opt("gps_terminal_id", &["GPS终端号", "GPS设备号"]),
    opt("gps_protocol", &["GPS协议"]),
];

/// The youngest a borrower may be on the disbursement date.
pub const MIN_BORROWER_AGE: u32 = 18;

/// Where a value was first seen, to find repeats across rows.
#[derive(Default)]
struct Seen {
    loan_nos: HashMap<String, usize>,
    /// National ID → (row, borrower name).
    borrowers: HashMap<String, (usize, String)>,
    /// VIN → (row, loan number).
    vins: HashMap<String, (usize, String)>,
    gps_ids: HashMap<String, usize>,
}

/// Parses every row of a loan-tape table, recording every problem.
pub(crate) fn parse_loans(
    table: &Table,
    options: &TapeOptions,
    errors: &mut Collector,
) -> Vec<BookedLoan> {
    let Some(columns) = Columns::resolve(table, LOAN_COLUMNS, "loan tape", errors) else {
        return Vec::new();
    };
    let mut seen = Seen::default();
    let mut loans = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut reader = RowReader::new(row, &columns, errors);
        let loan = parse_loan(&mut reader, options, &mut seen);
        if let (Some(loan), false) = (loan, reader.failed()) {
            loans.push(loan);
        }
    }
    loans
}

fn parse_loan(r: &mut RowReader, options: &TapeOptions, seen: &mut Seen) -> Option<BookedLoan> {
    let row = r.number();
    let loan_no = r.required("loan_no", Kind::Text, checks::reference);
    let product = r.required("product", Kind::Text, Product::from_str);
    let principal = r.required("principal", Kind::Amount, checks::positive_amount);
    let rate = r.required(
        "annual_rate_percent",
        Kind::Percent,
        AnnualRate::parse_percent,
    );
    let term = r.required("term_months", Kind::Integer, |t| {
        checks::whole_number(t, 1, MAX_TERM_MONTHS)
    });
    let method = r.required("method", Kind::Text, RepaymentMethod::from_str);
    let disbursed = r.required_date("disbursement_date");
    let repayment_day = r.optional("repayment_day", Kind::Integer, |t| {
        checks::whole_number(t, 1, 31)
    });
    let account = r.required("auto_debit_account", Kind::Text, checks::account_number);
    let dealer = r.optional("dealer", Kind::Text, checks::free_text);

    let name = r.required("borrower_name", Kind::Text, checks::person_name);
    let national_id = r.required("national_id", Kind::Text, NationalId::parse);
    let phones = r.required("phones", Kind::Text, parse_phones);
    let home = address(r, "home_address", "home_lat", "home_lng");
    let work = address(r, "work_address", "work_lat", "work_lng");
    let time_zone = r.optional("time_zone", Kind::Text, checks::time_zone);
    let contacts: Vec<Result<Option<EmergencyContact>, Reported>> =
        (1..=3).map(|n| contact(r, n)).collect();

    let vin = r.required("vin", Kind::Text, Vin::parse);
    let plate = r.optional("plate", Kind::Text, checks::plate);
    let make = r.required("make", Kind::Text, checks::free_text);
    let model = r.required("model", Kind::Text, checks::free_text);
    let model_year = r.required("model_year", Kind::Integer, |t| {
        checks::whole_number(t, 1900, 9999)
    });
    let price = r.required("vehicle_price", Kind::Amount, checks::positive_amount);
    let lien_status = r.required("lien_status", Kind::Text, LienStatus::from_str);
    let lien_date = r.optional_date("lien_date");
    let gps = gps(r);

    // Rules within the row.
    if let (Some(date), Some(as_of)) = (disbursed, options.as_of) {
        if date > as_of {
            r.error(
                "disbursement_date",
                format!(
                    "{date} is after the as-of date {as_of}; future-dated bookings are not accepted"
                ),
            );
        }
    }
    if let (Some(product), Some(principal), Some(price)) = (product, principal, price) {
        if matches!(product, Product::NewCar | Product::UsedCar) && principal > price {
            r.error(
                "principal",
                format!(
                    "principal {principal} is more than the vehicle price {price}; a {product} loan \
                     cannot exceed the price of the car"
                ),
            );
        }
    }
    if let (Some(year), Some(date)) = (model_year, disbursed) {
        let latest = date.year() + 1;
        if i64::from(year) > i64::from(latest) {
            r.error(
                "model_year",
                format!(
                    "model year {year} is later than {latest}, the year after disbursement ({date})"
                ),
            );
        }
    }
    if let (Some(id), Some(date)) = (&national_id, disbursed) {
        check_age(r, id, date);
    }
    let lien_date = check_lien(r, lien_status, lien_date, options.as_of);

    // Rules across rows.
    if let Some(loan_no) = &loan_no {
        if let Some(first) = seen.loan_nos.get(loan_no) {
            r.error(
                "loan_no",
                format!("loan_no {loan_no} is already on row {first}"),
            );
        } else {
            seen.loan_nos.insert(loan_no.clone(), row);
        }
    }
    if let (Some(id), Some(name)) = (&national_id, &name) {
        match seen.borrowers.get(id.as_str()) {
            Some((first, first_name)) if first_name != name => {
                r.error(
                    "national_id",
                    format!(
                        "national ID {} is on row {first} with borrower name {first_name}, \
                         here with {name}",
                        id.masked()
                    ),
                );
            }
            Some(_) => {}
            None => {
                seen.borrowers
                    .insert(id.as_str().to_string(), (row, name.clone()));
            }
        }
    }
    if let Some(vin) = &vin {
        if let Some((first, other)) = seen.vins.get(vin.as_str()) {
            r.error(
                "vin",
                format!(
                    "VIN {} is already the collateral of loan {other} on row {first}",
                    vin.as_str()
                ),
            );
        } else {
            let owner = loan_no.clone().unwrap_or_default();
            seen.vins.insert(vin.as_str().to_string(), (row, owner));
        }
    }
    // The GPS gateway finds the car by terminal id, so a terminal identifies one car among the
    // loans still secured; a tracker may have moved on from a car whose lien is released.
    let secured = lien_status != Some(LienStatus::Released);
    if let (Ok(Some(terminal)), true) = (&gps, secured) {
        if let Some(first) = seen.gps_ids.get(&terminal.terminal_id) {
            r.error(
                "gps_terminal_id",
                format!(
                    "GPS terminal {} is already fitted to the car on row {first}",
                    terminal.terminal_id
                ),
            );
        } else {
            seen.gps_ids.insert(terminal.terminal_id.clone(), row);
        }
    }

    // Assemble once every field has been checked, so every problem is reported.
    let disbursed = disbursed?;
    let repayment_day = repayment_day.ok()?.unwrap_or_else(|| disbursed.day());
    let terms = match LoanTerms::new(principal?, rate?, term?, method?, disbursed, repayment_day) {
        Ok(terms) => terms,
        Err(e) => {
            let field = match e {
                TermsError::Principal(_) => "principal",
                TermsError::Term(_) => "term_months",
                TermsError::RepaymentDay(_) => "repayment_day",
            };
            r.error(field, e.to_string());
            return None;
        }
    };
    let mut contact_list = Vec::new();
    for contact in contacts {
        contact_list.extend(contact.ok()?);
    }
    let year = u16::try_from(model_year?).ok()?;
    Some(BookedLoan {
        loan_no: loan_no?,
        product: product?,
        terms,
        auto_debit_account: account?,
        dealer: dealer.ok()?.unwrap_or_default(),
        borrower: Borrower {
            name: name?,
            national_id: national_id?,
            phones: phones?,
            home: home.ok()??,
            work: work.ok()?,
            contacts: contact_list,
            time_zone: time_zone.ok()?,
        },
        vehicle: Vehicle {
            vin: vin?,
            plate: plate.ok()?.unwrap_or_default(),
            make: make?,
            model: model?,
            year,
            price: price?,
            lien_status: lien_status?,
            lien_date: lien_date.ok()?,
            gps: gps.ok()?,
        },
    })
}

/// One or more mobile numbers separated by `;` (or the full-width `；`).
fn parse_phones(text: &str) -> Result<Vec<Phone>, String> {
    let mut phones: Vec<Phone> = Vec::new();
    let mut problems = Vec::new();
    for part in text.split([';', '；']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        if part.contains([',', '，', '、', '/']) {
            problems.push(format!("`{part}`: separate phone numbers with `;`"));
            continue;
        }
        match Phone::parse(part) {
            Ok(phone) if phones.contains(&phone) => {
                problems.push(format!("{} is listed twice", phone.as_str()));
            }
            Ok(phone) => phones.push(phone),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    if phones.is_empty() {
        return Err("is required but holds no phone number".to_string());
    }
    Ok(phones)
}

fn coordinate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("`{}` is not a number of degrees", text.trim())),
    }
}

/// An address with optional coordinates: both coordinates or neither, and only with the
/// address. `Ok(None)` when the row has no address here.
fn address(
    r: &mut RowReader,
    text_col: &str,
    lat_col: &str,
    lng_col: &str,
) -> Result<Option<Address>, Reported> {
    let required = text_col == "home_address";
    let text = if required {
        r.required(text_col, Kind::Text, checks::free_text)
            .map(Some)
            .ok_or(Reported)
    } else {
        r.optional(text_col, Kind::Text, checks::free_text)
    };
    let lat = r.optional(lat_col, Kind::Coordinate, coordinate);
    let lng = r.optional(lng_col, Kind::Coordinate, coordinate);
    let location = match (lat?, lng?) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(r.error(
                lng_col,
                format!("is empty but {lat_col} is given: give both coordinates or neither"),
            ))
        }
        (None, Some(_)) => {
            return Err(r.error(
                lat_col,
                format!("is empty but {lng_col} is given: give both coordinates or neither"),
            ))
        }
        (Some(lat), Some(lng)) => match GeoPoint::new(lat, lng) {
            Ok(point) => Some(point),
            Err(e @ GeoError::Latitude(_)) => return Err(r.error(lat_col, e.to_string())),
            Err(e @ GeoError::Longitude(_)) => return Err(r.error(lng_col, e.to_string())),
        },
    };
    match text? {
        Some(text) => Ok(Some(Address { text, location })),
        None if location.is_some() => Err(r.error(
            text_col,
            format!("is empty but {lat_col} and {lng_col} are given"),
        )),
        None => Ok(None),
    }
}

/// Emergency contact `n`: name, relation and phone all given, or none of them.
fn contact(r: &mut RowReader, n: u8) -> Result<Option<EmergencyContact>, Reported> {
    let name_col = format!("contact{n}_name");
    let relation_col = format!("contact{n}_relation");
    let phone_col = format!("contact{n}_phone");
    let name = r.optional(&name_col, Kind::Text, checks::person_name);
    let relation = r.optional(&relation_col, Kind::Text, Relation::from_str);
    let phone = r.optional(&phone_col, Kind::Text, Phone::parse);
    let given: Vec<&str> = [
        (&name_col, r.is_blank(&name_col)),
        (&relation_col, r.is_blank(&relation_col)),
        (&phone_col, r.is_blank(&phone_col)),
    ]
    .iter()
    .filter(|(_, blank)| !blank)
    .map(|(col, _)| col.as_str())
    .collect();
    if !given.is_empty() && given.len() < 3 {
        let given = given.join(" and ");
        for col in [&name_col, &relation_col, &phone_col] {
            if r.is_blank(col) {
                r.error(
                    col,
                    format!(
                        "is empty but {given} is given: give contact {n}'s name, relation and \
                         phone, or none of them"
                    ),
                );
            }
        }
        return Err(Reported);
    }
    match (name?, relation?, phone?) {
        (Some(name), Some(relation), Some(phone)) => Ok(Some(EmergencyContact {
            name,
            relation,
            phone,
        })),
        _ => Ok(None),
    }
}

/// The GPS terminal: id and protocol both given, or neither.
fn gps(r: &mut RowReader) -> Result<Option<GpsTerminal>, Reported> {
    let id = r.optional("gps_terminal_id", Kind::Text, |t| {
        Ok::<_, String>(t.to_string())
    });
    let protocol = r.optional("gps_protocol", Kind::Text, GpsProtocol::from_str);
    match (id?, protocol?) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(r.error(
            "gps_protocol",
            "is empty but gps_terminal_id is given: give both or neither",
        )),
        (None, Some(_)) => Err(r.error(
            "gps_terminal_id",
            "is empty but gps_protocol is given: give both or neither",
        )),
        (Some(id), Some(protocol)) => match checks::gps_terminal_id(&id, protocol) {
            Ok(terminal_id) => Ok(Some(GpsTerminal {
                terminal_id,
                protocol,
            })),
            Err(why) => Err(r.error("gps_terminal_id", why)),
        },
    }
}

/// The borrower must be an adult on the disbursement date.
fn check_age(r: &mut RowReader, id: &NationalId, disbursed: NaiveDate) {
    let Some(birth) = id.birth_date() else {
        return;
    };
    let age = disbursed.years_since(birth);
    if age.is_none_or(|age| age < MIN_BORROWER_AGE) {
        let age = age.map_or_else(|| "not yet born".to_string(), |a| format!("{a} years old"));
        r.error(
            "national_id",
            format!(
                "the borrower (born {birth}) is {age} on the disbursement date {disbursed}; \
                 a borrower must be {MIN_BORROWER_AGE} or older"
            ),
        );
    }
}

/// A lien date is required when the lien is registered, allowed when released, and refused
/// while registration is pending or absent; it may not lie after the as-of date.
fn check_lien(
    r: &mut RowReader,
    status: Option<LienStatus>,
    date: Result<Option<NaiveDate>, Reported>,
    as_of: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, Reported> {
    let date = date?;
    if let (Some(date), Some(as_of)) = (date, as_of) {
        if date > as_of {
            return Err(r.error(
                "lien_date",
                format!("{date} is after the as-of date {as_of}"),
            ));
        }
    }
    match (status, date) {
        (Some(LienStatus::Registered), None) => {
            Err(r.error("lien_date", "is required when lien_status is registered"))
        }
        (Some(status @ (LienStatus::Pending | LienStatus::NotRegistered)), Some(_)) => Err(r
            .error(
                "lien_date",
                format!(
                    "is given but lien_status is {}; a lien date belongs to a registered or \
                     released lien",
                    status.code()
                ),
            )),
        _ => Ok(date),
    }
}
