//! Prints the API's OpenAPI document: `cargo run -p api --example openapi`.

fn main() {
    match api::openapi().to_pretty_json() {
        Ok(json) => println!("{json}"),
        Err(e) => eprintln!("error: {e}"),
    }
}
