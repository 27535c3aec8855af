//! Loan tapes in CSV: a valid tape becomes booked loans with every field in place, and every
//! kind of bad input is reported with its row and column, all problems at once.

mod common;

use common::*;
use recoup_core::book::{GpsProtocol, LienStatus, Relation};
use recoup_core::loan::{Product, RepaymentMethod};
use recoup_core::{AnnualRate, Fen};
use recoup_tape::{read_loan_tape_from_csv_reader, TapeOptions, TextEncoding, MAX_LISTED_ERRORS};

#[test]
fn a_valid_row_becomes_a_booked_loan_with_every_field() {
    let loans = read_loans(&loan_csv(&[LoanRow::valid(1)])).unwrap();
    assert_eq!(loans.len(), 1);
    let loan = &loans[0];
    assert_eq!(loan.loan_no, "HT00000001");
    assert_eq!(loan.product, Product::NewCar);
    assert_eq!(loan.terms.principal(), Fen::new(14_690_000));
    assert_eq!(
        loan.terms.annual_rate(),
        AnnualRate::parse_percent("4.8").unwrap()
    );
    assert_eq!(loan.terms.term_months(), 36);
    assert_eq!(loan.terms.method(), RepaymentMethod::EqualInstallment);
    assert_eq!(loan.terms.disbursement_date(), date(2024, 3, 15));
    assert_eq!(loan.terms.repayment_day(), 15);
    assert_eq!(loan.auto_debit_account, "6222020200112345678");
    assert_eq!(loan.dealer, "北京博瑞祥驰汽车销售服务有限公司");

    let b = &loan.borrower;
    assert_eq!(b.name, "王建国");
    assert_eq!(b.national_id.as_str(), national_id("11010519850712341"));
    let phones: Vec<&str> = b.phones.iter().map(|p| p.as_str()).collect();
    assert_eq!(phones, vec!["13801234567", "13911112222"]);
    assert_eq!(b.home.text, "北京市朝阳区阜通东大街6号");
    let home = b.home.location.unwrap();
    assert_eq!((home.lat(), home.lng()), (39.996812, 116.470125));
    let work = b.work.as_ref().unwrap();
    assert_eq!(work.text, "北京市海淀区中关村大街27号");
    assert_eq!(b.time_zone, Some(chrono_tz::Asia::Shanghai));
    assert!(work.location.is_some());
    assert_eq!(b.contacts.len(), 3);
    assert_eq!(b.contacts[0].name, "李秀英");
    assert_eq!(b.contacts[0].relation, Relation::Spouse);
    assert_eq!(b.contacts[0].phone.as_str(), "13701234567");
    assert_eq!(b.contacts[2].relation, Relation::Friend);

    let v = &loan.vehicle;
    assert_eq!(v.vin.as_str(), vin_for(1));
    assert_eq!(v.plate, "京N8K2Q5");
    assert_eq!((v.make.as_str(), v.model.as_str()), ("大众", "帕萨特"));
    assert_eq!(v.year, 2024);
    assert_eq!(v.price, Fen::new(20_990_000));
    assert_eq!(v.lien_status, LienStatus::Registered);
    assert_eq!(v.lien_date, Some(date(2024, 3, 29)));
    let gps = v.gps.as_ref().unwrap();
    assert_eq!(gps.terminal_id, "013800000001");
    assert_eq!(gps.protocol, GpsProtocol::Jt808);
}

#[test]
fn optional_fields_may_be_left_empty() {
    let mut row = LoanRow::valid(1);
    for column in [
        "repayment_day",
        "dealer",
        "home_lat",
        "home_lng",
        "work_address",
        "work_lat",
        "work_lng",
        "contact1_name",
        "contact1_relation",
        "contact1_phone",
        "contact2_name",
        "contact2_relation",
        "contact2_phone",
        "contact3_name",
        "contact3_relation",
        "contact3_phone",
        "plate",
        "gps_terminal_id",
        "gps_protocol",
    ] {
        row = row.with(column, "");
    }
    let row = row.with("disbursement_date", "2024-01-31");
    let loan = &read_loans(&loan_csv(&[row])).unwrap()[0];
    assert_eq!(
        loan.terms.repayment_day(),
        31,
        "defaults to the disbursement day"
    );
    assert_eq!(loan.dealer, "");
    assert_eq!(loan.borrower.home.location, None);
    assert_eq!(loan.borrower.work, None);
    assert!(loan.borrower.contacts.is_empty());
    assert_eq!(loan.vehicle.plate, "");
    assert_eq!(loan.vehicle.gps, None);
}

#[test]
fn optional_columns_may_be_left_out_of_the_header() {
    let text = "loan_no,product,principal,annual_rate_percent,term_months,method,disbursement_date,\
auto_debit_account,borrower_name,national_id,phones,home_address,vin,make,model,model_year,\
vehicle_price,lien_status\n"
        .to_string()
        + &format!(
            "HT1,used_car,50000,8.5,36,equal_principal,2024/11/22,6227003811234567890,李强,{},\
13512345678,成都市武侯区人民南路四段12号,{},本田,思域,2019,72000,not_registered\n",
            national_id("51010719790930013"),
            vin_for(1)
        );
    let loans = read_loans(&text).unwrap();
    assert_eq!(loans[0].terms.repayment_day(), 22);
    assert_eq!(loans[0].terms.principal(), Fen::from_yuan(50_000));
    assert_eq!(loans[0].vehicle.lien_date, None);
}

#[test]
fn chinese_headers_and_values_are_accepted() {
    let text = format!(
        "合同号,产品,贷款本金,年利率,期数,还款方式,放款日期,代扣账号,借款人姓名,身份证号,手机号,\
家庭住址,联系人1姓名,联系人1关系,联系人1电话,车架号,车牌号,品牌,车型,年款,车价,抵押状态,抵押登记日期,\
GPS终端号,GPS协议\n\
HT1,二手车,\"50,000.00\",8.5%,36,等额本金,2024年11月22日,6227 0038 1123 4567 890,李强,{},\
+86 135-1234-5678；15308001234,成都市武侯区,王芳,配偶,13808001234,{},川A·7F2M3,本田,思域,2019,\
¥72000,已抵押,2024/12/6,{},GT06\n",
        national_id("51010719790930013"),
        vin_for(1).to_lowercase(),
        imei("86851205123456"),
    );
    let loans = read_loans(&text).unwrap_or_else(|e| panic!("{e}"));
    let loan = &loans[0];
    assert_eq!(loan.product, Product::UsedCar);
    assert_eq!(loan.terms.method(), RepaymentMethod::EqualPrincipal);
    assert_eq!(loan.terms.principal(), Fen::from_yuan(50_000));
    assert_eq!(loan.terms.disbursement_date(), date(2024, 11, 22));
    assert_eq!(loan.auto_debit_account, "6227003811234567890");
    assert_eq!(loan.borrower.phones.len(), 2);
    assert_eq!(loan.borrower.phones[0].as_str(), "13512345678");
    assert_eq!(loan.borrower.contacts[0].relation, Relation::Spouse);
    assert_eq!(loan.vehicle.vin.as_str(), vin_for(1));
    assert_eq!(loan.vehicle.plate, "川A7F2M3");
    assert_eq!(loan.vehicle.price, Fen::from_yuan(72_000));
    assert_eq!(loan.vehicle.lien_status, LienStatus::Registered);
    assert_eq!(loan.vehicle.lien_date, Some(date(2024, 12, 6)));
    assert_eq!(
        loan.vehicle.gps.as_ref().unwrap().protocol,
        GpsProtocol::Gt06
    );
}

#[test]
fn a_header_without_rows_is_an_empty_tape() {
    assert_eq!(read_loans(&loan_csv(&[])).unwrap(), Vec::new());
}

#[test]
fn an_empty_file_is_an_error() {
    let errors = read_loans("").unwrap_err();
    assert_eq!(
        errors.to_string(),
        "loans.csv: the file is empty: expected a header row"
    );
}

#[test]
fn missing_columns_are_named_all_at_once() {
    let errors = read_loans("loan_no,product,principal\n").unwrap_err();
    assert_eq!(
        triples(&errors),
        vec![(
            1,
            String::new(),
            "missing required columns: annual_rate_percent, term_months, method, \
             disbursement_date, auto_debit_account, borrower_name, national_id, phones, \
             home_address, vin, make, model, model_year, vehicle_price, lien_status"
                .to_string()
        )]
    );
}

#[test]
fn unknown_columns_are_rejected_by_name() {
    let text = loan_csv(&[LoanRow::valid(1)]);
    let text = text.replacen("gps_protocol", "gps_protocl", 1);
    let text = text.replacen('\n', ",colour\n", 1);
    let text = text.replacen("jt808\n", "jt808,red\n", 1);
    let errors = read_loans(&text).unwrap_err();
    assert_eq!(
        triples(&errors),
        vec![
            (
                1,
                "gps_protocl".to_string(),
                "unknown column: the loan tape has no column of this name; did you mean \
                 `gps_protocol`?"
                    .to_string()
            ),
            (
                1,
                "colour".to_string(),
                "unknown column: the loan tape has no column of this name".to_string()
            ),
        ]
    );
}

/// Each case: the column, a bad value, and the message the reader must give.
const BAD_VALUES: &[(&str, &str, &str)] = &[
    ("loan_no", "", "is required but empty"),
    (
        "loan_no",
        "HT 1",
        "`HT 1` contains a space or control character",
    ),
    (
        "product",
        "truck",
        "`truck` is not one of: new_car, used_car, car_mortgage",
    ),
    (
        "principal",
        "12.345",
        "`12.345` is not an amount in yuan (expected digits with at most 2 decimals, e.g. 1234.56)",
    ),
    ("principal", "0", "must be more than 0.00, got 0.00"),
    ("principal", "-100", "must be more than 0.00, got -100.00"),
    (
        "annual_rate_percent",
        "abc",
        "`abc` is not a percentage (expected e.g. 6.25 for 6.25 %)",
    ),
    ("annual_rate_percent", "36.5", "36.5 % is outside 0 %–36 %"),
    ("term_months", "0", "must be 1 to 120, got 0"),
    ("term_months", "12.5", "`12.5` is not a whole number"),
    (
        "method",
        "balloon",
        "`balloon` is not one of: equal_installment, equal_principal, bullet",
    ),
    (
        "disbursement_date",
        "15/03/2024",
        "`15/03/2024` is not a date (expected YYYY-MM-DD, e.g. 2024-03-05)",
    ),
    (
        "disbursement_date",
        "2023-02-29",
        "`2023-02-29` is not a real date",
    ),
    ("repayment_day", "32", "must be 1 to 31, got 32"),
    (
        "auto_debit_account",
        "62-22",
        "`62-22` is not a bank account number (8 to 32 digits)",
    ),
    ("borrower_name", "", "is required but empty"),
    (
        "national_id",
        "110105198507123410",
        "national ID check digit is 0, expected 3",
    ),
    (
        "national_id",
        "1101051985071234",
        "national ID must be 18 characters, got 16",
    ),
    (
        "national_id",
        "110105198502303410",
        "national ID birth date 19850230 is not a real date",
    ),
    (
        "phones",
        "13801234567;12345",
        "`12345` is not a mainland mobile number (11 digits starting 13–19)",
    ),
    (
        "phones",
        "13801234567;138 0123 4567",
        "13801234567 is listed twice",
    ),
    ("phones", ";", "is required but holds no phone number"),
    (
        "phones",
        "13801234567、13911112222",
        "`13801234567、13911112222`: separate phone numbers with `;`",
    ),
    (
        "disbursement_date",
        "2024-03-15 09:30",
        "`2024-03-15 09:30` has a time of day; give the date only (YYYY-MM-DD)",
    ),
    ("home_address", "", "is required but empty"),
    ("home_lat", "north", "`north` is not a number of degrees"),
    ("home_lat", "91", "latitude 91 is outside -90..90"),
    ("home_lng", "181.5", "longitude 181.5 is outside -180..180"),
    ("work_lng", "NaN", "`NaN` is not a number of degrees"),
    (
        "time_zone",
        "Beijing",
        "`Beijing` is not an IANA time zone such as Asia/Shanghai or America/New_York",
    ),
    (
        "contact1_relation",
        "boss",
        "`boss` is not one of: spouse, parent, child, sibling, relative, friend, colleague, other",
    ),
    (
        "contact2_phone",
        "010-12345678",
        "`010-12345678` is not a mainland mobile number (11 digits starting 13–19)",
    ),
    (
        "vin",
        "LSVAM4180R2000001",
        "VIN check digit (position 9) is 0, expected 7",
    ),
    ("vin", "LSVAM418", "VIN must be 17 characters, got 8"),
    (
        "vin",
        "LSVAM4189R2O00001",
        "VIN may hold only digits and capital letters other than I, O and Q; found `O`",
    ),
    (
        "plate",
        "ABC123",
        "`ABC123` is not a licence plate (e.g. 粤B12345, or 粤BD12345 for a new-energy car)",
    ),
    ("make", "", "is required but empty"),
    ("model", "", "is required but empty"),
    ("model_year", "new", "`new` is not a whole number"),
    (
        "model_year",
        "2026",
        "model year 2026 is later than 2025, the year after disbursement (2024-03-15)",
    ),
    (
        "vehicle_price",
        "1.999",
        "`1.999` is not an amount in yuan (expected digits with at most 2 decimals, e.g. 1234.56)",
    ),
    (
        "lien_status",
        "maybe",
        "`maybe` is not one of: registered, pending, not_registered, released",
    ),
    (
        "lien_date",
        "",
        "is required when lien_status is registered",
    ),
    (
        "lien_date",
        "2025-07-01",
        "2025-07-01 is after the as-of date 2025-06-30",
    ),
    (
        "gps_terminal_id",
        "12345",
        "`12345` is not a JT/T 808 terminal number (12 digits, or up to 20 for the 2019 edition)",
    ),
    (
        "gps_protocol",
        "tk103",
        "`tk103` is not one of: jt808, gt06",
    ),
];

#[test]
fn each_bad_value_names_its_row_and_field() {
    for (column, value, message) in BAD_VALUES {
        let rows = [LoanRow::valid(1), LoanRow::valid(2).with(column, value)];
        let errors = match read_loans(&loan_csv(&rows)) {
            Ok(_) => panic!("{column}={value:?} was accepted"),
            Err(errors) => errors,
        };
        assert_eq!(
            triples(&errors),
            vec![(3, column.to_string(), message.to_string())],
            "{column}={value:?}"
        );
        assert_eq!(
            errors.to_string(),
            format!("loans.csv: row 3, field {column}: {message}")
        );
    }
}

#[test]
fn every_problem_in_the_file_is_reported_not_just_the_first() {
    let rows = [
        LoanRow::valid(1).with("principal", "abc").with("vin", "X"),
        LoanRow::valid(2),
        LoanRow::valid(3).with("product", "boat"),
        LoanRow::valid(4).with("national_id", "1"),
    ];
    assert_eq!(
        places(&loan_errors(&rows)),
        vec![
            (2, "principal".to_string()),
            (2, "vin".to_string()),
            (4, "product".to_string()),
            (5, "national_id".to_string()),
        ]
    );
}

#[test]
fn a_repeated_loan_number_names_the_first_row() {
    let rows = [
        LoanRow::valid(1),
        LoanRow::valid(2),
        LoanRow::valid(3).with("loan_no", "HT00000001"),
    ];
    assert_eq!(
        triples(&loan_errors(&rows)),
        vec![(
            4,
            "loan_no".to_string(),
            "loan_no HT00000001 is already on row 2".to_string()
        )]
    );
}

#[test]
fn one_national_id_must_carry_one_name() {
    let rows = [
        LoanRow::valid(1),
        LoanRow::valid(2),
        LoanRow::valid(3).with("borrower_name", "王建华"),
    ];
    let id = national_id("11010519850712341");
    let masked = format!("{}***********{}", &id[..3], &id[14..]);
    assert_eq!(
        triples(&loan_errors(&rows)),
        vec![(
            4,
            "national_id".to_string(),
            format!("national ID {masked} is on row 2 with borrower name 王建国, here with 王建华")
        )]
    );
}

#[test]
fn one_car_cannot_secure_two_loans() {
    let rows = [
        LoanRow::valid(1),
        LoanRow::valid(2).with("vin", &vin_for(1)),
    ];
    assert_eq!(
        triples(&loan_errors(&rows)),
        vec![(
            3,
            "vin".to_string(),
            format!(
                "VIN {} is already the collateral of loan HT00000001 on row 2",
                vin_for(1)
            )
        )]
    );
}

#[test]
fn one_gps_terminal_cannot_be_fitted_to_two_cars_still_under_lien() {
    let rows = [
        LoanRow::valid(1),
        LoanRow::valid(2).with("gps_terminal_id", "013800000001"),
    ];
    assert_eq!(
        triples(&loan_errors(&rows)),
        vec![(
            3,
            "gps_terminal_id".to_string(),
            "GPS terminal 013800000001 is already fitted to the car on row 2".to_string()
        )]
    );
    let moved_from_a_paid_off_car = [
        LoanRow::valid(1).with("lien_status", "released"),
        LoanRow::valid(2).with("gps_terminal_id", "013800000001"),
    ];
    assert!(read_loans(&loan_csv(&moved_from_a_paid_off_car)).is_ok());
}

#[test]
fn future_dated_bookings_are_refused_only_with_an_as_of_date() {
    let row = LoanRow::valid(1)
        .with("disbursement_date", "2025-07-01")
        .with("lien_date", "");
    let row = row.with("lien_status", "pending");
    assert_eq!(
        triples(&loan_errors(std::slice::from_ref(&row))),
        vec![(
            2,
            "disbursement_date".to_string(),
            "2025-07-01 is after the as-of date 2025-06-30; future-dated bookings are not \
             accepted"
                .to_string()
        )]
    );
    let without = read_loan_tape_from_csv_reader(
        "loans.csv",
        loan_csv(&[row]).as_bytes(),
        &TapeOptions::default(),
    );
    assert!(without.is_ok());
}

#[test]
fn a_car_loan_cannot_exceed_the_price_of_the_car_but_a_mortgage_loan_may() {
    let over = LoanRow::valid(1)
        .with("principal", "210000.00")
        .with("product", "used_car");
    assert_eq!(
        triples(&loan_errors(std::slice::from_ref(&over))),
        vec![(
            2,
            "principal".to_string(),
            "principal 210000.00 is more than the vehicle price 209900.00; a used_car loan \
             cannot exceed the price of the car"
                .to_string()
        )]
    );
    let mortgage = over.with("product", "car_mortgage");
    assert!(read_loans(&loan_csv(&[mortgage])).is_ok());
}

#[test]
fn next_years_model_is_accepted() {
    let row = LoanRow::valid(1).with("model_year", "2025");
    assert!(read_loans(&loan_csv(&[row])).is_ok());
}

#[test]
fn a_borrower_must_be_an_adult_on_the_disbursement_date() {
    let row = LoanRow::valid(1).with("national_id", &national_id("11010520070101341"));
    assert_eq!(
        triples(&loan_errors(&[row])),
        vec![(
            2,
            "national_id".to_string(),
            "the borrower (born 2007-01-01) is 17 years old on the disbursement date \
             2024-03-15; a borrower must be 18 or older"
                .to_string()
        )]
    );
}

#[test]
fn a_lien_date_is_refused_while_registration_is_pending_but_allowed_once_released() {
    let pending = LoanRow::valid(1).with("lien_status", "pending");
    assert_eq!(
        triples(&loan_errors(&[pending])),
        vec![(
            2,
            "lien_date".to_string(),
            "is given but lien_status is pending; a lien date belongs to a registered or \
             released lien"
                .to_string()
        )]
    );
    let released = LoanRow::valid(1).with("lien_status", "released");
    assert!(read_loans(&loan_csv(&[released])).is_ok());
}

#[test]
fn a_partly_filled_contact_names_each_empty_field() {
    let row = LoanRow::valid(1)
        .with("contact2_relation", "")
        .with("contact2_phone", "");
    let message = "is empty but contact2_name is given: give contact 2's name, relation and \
                   phone, or none of them";
    assert_eq!(
        triples(&loan_errors(&[row])),
        vec![
            (2, "contact2_relation".to_string(), message.to_string()),
            (2, "contact2_phone".to_string(), message.to_string()),
        ]
    );
}

#[test]
fn coordinates_come_in_pairs_and_only_with_an_address() {
    let one = LoanRow::valid(1).with("work_lng", "");
    assert_eq!(
        triples(&loan_errors(&[one])),
        vec![(
            2,
            "work_lng".to_string(),
            "is empty but work_lat is given: give both coordinates or neither".to_string()
        )]
    );
    let no_address = LoanRow::valid(1).with("work_address", "");
    assert_eq!(
        triples(&loan_errors(&[no_address])),
        vec![(
            2,
            "work_address".to_string(),
            "is empty but work_lat and work_lng are given".to_string()
        )]
    );
}

#[test]
fn gps_id_and_protocol_come_together_and_are_checked_for_the_protocol() {
    let no_protocol = LoanRow::valid(1).with("gps_protocol", "");
    assert_eq!(
        triples(&loan_errors(&[no_protocol])),
        vec![(
            2,
            "gps_protocol".to_string(),
            "is empty but gps_terminal_id is given: give both or neither".to_string()
        )]
    );
    let gt06 = LoanRow::valid(1).with("gps_protocol", "gt06");
    assert_eq!(
        triples(&loan_errors(&[gt06])),
        vec![(
            2,
            "gps_terminal_id".to_string(),
            "`013800000001` is not a GT06 IMEI (15 digits)".to_string()
        )]
    );
    let bad_imei = LoanRow::valid(1)
        .with("gps_protocol", "gt06")
        .with("gps_terminal_id", "490154203237517");
    assert_eq!(
        triples(&loan_errors(&[bad_imei])),
        vec![(
            2,
            "gps_terminal_id".to_string(),
            "IMEI 490154203237517 fails its check digit (Luhn): the last digit should be 8"
                .to_string()
        )]
    );
    let jt808_2019 = LoanRow::valid(1).with("gps_terminal_id", "00000000013800000001");
    assert!(read_loans(&loan_csv(&[jt808_2019])).is_ok());
}

#[test]
fn principal_above_the_core_limit_is_reported_on_the_principal() {
    let row = LoanRow::valid(1)
        .with("product", "car_mortgage")
        .with("principal", "10000000000.01");
    assert_eq!(
        triples(&loan_errors(&[row])),
        vec![(
            2,
            "principal".to_string(),
            "principal must be more than 0.00, got 10000000000.01".to_string()
        )]
    );
}

/// The valid two-row tape with borrower 2's name 王建国 written in GBK, as Excel's plain "CSV"
/// saves it on a Chinese Windows, while the rest stays ASCII or UTF-8.
fn tape_with_a_gbk_name() -> Vec<u8> {
    let mut bytes = loan_csv(&[LoanRow::valid(1), LoanRow::valid(2)]).into_bytes();
    let gbk: &[u8] = &[0xCD, 0xF5, 0xBD, 0xA8, 0xB9, 0xFA];
    let utf8 = "王建国".as_bytes();
    let at = bytes.windows(utf8.len()).rposition(|w| w == utf8).unwrap();
    bytes.splice(at..at + utf8.len(), gbk.iter().copied());
    bytes
}

#[test]
fn a_gbk_tape_is_read_as_gbk() {
    let text = loan_csv(&[LoanRow::valid(1), LoanRow::valid(2)]);
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert_ne!(gbk.as_ref(), text.as_bytes(), "the tape has Chinese text");
    let from_gbk = read_loan_tape_from_csv_reader("loans.csv", gbk.as_ref(), &options()).unwrap();
    let from_utf8 = read_loans(&text).unwrap();
    assert_eq!(from_gbk, from_utf8);
}

#[test]
fn a_value_in_neither_encoding_is_reported_with_its_row_and_field() {
    let mut bytes = tape_with_a_gbk_name();
    // 0xFF starts no character in UTF-8 or in GB18030.
    let at = bytes.windows(2).rposition(|w| w == [0xCD, 0xF5]).unwrap();
    bytes[at] = 0xFF;
    let errors =
        read_loan_tape_from_csv_reader("loans.csv", bytes.as_slice(), &options()).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "loans.csv: row 3, field borrower_name: is neither valid UTF-8 nor GBK/GB18030 text: save \
         the file as \"CSV UTF-8\" and import it again"
    );
}

#[test]
fn asked_for_utf8_a_gbk_value_is_reported_with_its_row_and_field() {
    let bytes = tape_with_a_gbk_name();
    let options = options().with_encoding(TextEncoding::Utf8);
    let errors =
        read_loan_tape_from_csv_reader("loans.csv", bytes.as_slice(), &options).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "loans.csv: row 3, field borrower_name: is not valid UTF-8 text; the file may have been \
         saved as GBK/ANSI: import it with --encoding gb18030 (or auto), or save it as \
         \"CSV UTF-8\""
    );
}

#[test]
fn asked_for_gb18030_bytes_that_are_not_gb18030_name_their_row() {
    let text = loan_csv(&[LoanRow::valid(1), LoanRow::valid(2)]);
    let mut bytes = encoding_rs::GB18030.encode(&text).0.into_owned();
    let at = bytes.iter().rposition(|b| *b == b'\n').unwrap();
    bytes.insert(at, 0xFF);
    let options = options().with_encoding(TextEncoding::Gb18030);
    let errors =
        read_loan_tape_from_csv_reader("loans.csv", bytes.as_slice(), &options).unwrap_err();
    assert_eq!(errors.errors[0].row, 3);
    assert!(
        errors.errors[0]
            .message
            .starts_with("is not valid GB18030/GBK text"),
        "{errors}"
    );
}

#[test]
fn a_header_that_is_not_text_is_a_file_error() {
    let bytes: &[u8] = b"\xff\xfe\xfd,product\n";
    let errors = read_loan_tape_from_csv_reader("loans.csv", bytes, &options()).unwrap_err();
    assert_eq!(errors.errors[0].row, 1);
    assert!(
        errors.errors[0]
            .message
            .starts_with("the header is neither valid UTF-8 nor GBK/GB18030 text"),
        "{errors}"
    );
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
    let text = format!(
        "\u{feff}{}",
        loan_csv(&[LoanRow::valid(1)]).replace('\n', "\r\n")
    );
    assert_eq!(read_loans(&text).unwrap().len(), 1);
}

#[test]
fn blank_lines_are_skipped_and_rows_keep_their_line_numbers() {
    let text = loan_csv(&[LoanRow::valid(1), LoanRow::valid(2).with("product", "x")]);
    let (header, rest) = text.split_once('\n').unwrap();
    let text = format!("{header}\n\n{}", rest.replacen('\n', "\n\n\n", 1));
    assert_eq!(
        places(&loan_errors_text(&text)),
        vec![(6, "product".to_string())]
    );
}

fn loan_errors_text(text: &str) -> recoup_tape::TapeErrors {
    read_loans(text).unwrap_err()
}

#[test]
fn a_row_with_too_few_values_is_reported_and_the_rest_still_checked() {
    let text = loan_csv(&[LoanRow::valid(1), LoanRow::valid(2).with("vin", "bad")]);
    let text = text.replacen(",jt808\n", "\n", 1);
    let errors = read_loans(&text).unwrap_err();
    assert_eq!(
        triples(&errors),
        vec![
            (
                2,
                String::new(),
                "the row has 38 values but the header has 39 columns (a missing or extra comma, \
                 or a value containing a comma without quotes)"
                    .to_string()
            ),
            (
                3,
                "vin".to_string(),
                "VIN must be 17 characters, got 3".to_string()
            ),
        ]
    );
}

#[test]
fn a_value_under_a_blank_header_is_an_error() {
    let text = loan_csv(&[LoanRow::valid(1)])
        .replacen('\n', ",\n", 1)
        .replacen("jt808\n", "jt808,oops\n", 1);
    assert_eq!(
        triples(&read_loans(&text).unwrap_err()),
        vec![(
            2,
            "column 40".to_string(),
            "has a value but the column has no header".to_string()
        )]
    );
    let trailing_empty = loan_csv(&[LoanRow::valid(1)])
        .replacen('\n', ",\n", 1)
        .replacen("jt808\n", "jt808,\n", 1);
    assert!(read_loans(&trailing_empty).is_ok());
}

#[test]
fn errors_are_capped_with_a_count_of_the_rest() {
    let rows: Vec<LoanRow> = (0..MAX_LISTED_ERRORS + 10)
        .map(|n| LoanRow::valid(n).with("product", "boat"))
        .collect();
    let errors = loan_errors(&rows);
    assert_eq!(errors.errors.len(), MAX_LISTED_ERRORS);
    assert_eq!(errors.omitted, 10);
    assert!(errors
        .to_string()
        .ends_with("\n… and 10 more errors not listed"));
}

#[test]
fn the_header_row_is_where_header_problems_are_reported_when_blank_lines_precede_it() {
    let text = format!("\n\n{}", loan_csv(&[]).replacen("vin,", "", 1));
    assert_eq!(
        triples(&read_loans(&text).unwrap_err()),
        vec![(3, String::new(), "missing required column: vin".to_string())]
    );
}
