//! Runs the shipped lexicons over the text given as arguments and prints the report, as
//! `recoup qa check --text T` will.

fn main() {
    let text = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    match recoup_qa::Inspector::shipped() {
        Ok(inspector) => {
            let (report, status) = recoup_qa::check_report(&inspector, &text);
            print!("{report}");
            std::process::exit(status);
        }
        Err(errors) => {
            eprintln!("{errors}");
            std::process::exit(2);
        }
    }
}
