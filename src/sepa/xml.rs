//! A small XML writer for ISO 20022 messages: nested elements written by
//! closures (an element cannot be left open), text escaped, two-space
//! indentation. Plus the building blocks pain.001 and pain.008 share:
//! a party, an account, a bank.

use std::fmt::Write;

use super::account::{Bic, Iban};

/// Written when a bank's BIC is not known (IBAN-only payments): the EPC's
/// value for `FinInstnId/Othr/Id`.
const NO_BIC: &str = "NOTPROVIDED";

pub struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    /// A document whose root element is `Document` in `namespace`.
    pub fn document(namespace: &str, body: impl FnOnce(&mut Self)) -> String {
        let mut xml = Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        };
        xml.start("Document", Some(("xmlns", namespace)));
        xml.out.push('\n');
        xml.depth += 1;
        body(&mut xml);
        xml.depth -= 1;
        xml.end("Document");
        xml.out
    }

    /// `<tag>…</tag>` around what `body` writes.
    pub fn element(&mut self, tag: &str, body: impl FnOnce(&mut Self)) {
        self.start(tag, None);
        self.out.push('\n');
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.end(tag);
    }

    /// `<tag>text</tag>`.
    pub fn text(&mut self, tag: &str, text: &str) {
        self.text_with(tag, None, text);
    }

    /// `<tag name="value">text</tag>`.
    pub fn text_with(&mut self, tag: &str, attribute: Option<(&str, &str)>, text: &str) {
        self.start(tag, attribute);
        self.out.push_str(&escape(text));
        self.end(tag);
    }

    /// `<tag><Nm>name</Nm></tag>`: a party known by its name only.
    pub fn party(&mut self, tag: &str, name: &str) {
        self.element(tag, |x| x.text("Nm", name));
    }

    /// `<tag><Id><IBAN>…</IBAN></Id></tag>`: an account.
    pub fn account(&mut self, tag: &str, iban: &Iban) {
        self.element(tag, |x| x.element("Id", |x| x.text("IBAN", iban.as_str())));
    }

    /// `<tag><FinInstnId>…</FinInstnId></tag>`: a bank, by its BIC
    /// (`BICFI`, the 2019 messages' name) or as `NOTPROVIDED`.
    pub fn agent(&mut self, tag: &str, bic: Option<&Bic>) {
        self.element(tag, |x| {
            x.element("FinInstnId", |x| match bic {
                Some(bic) => x.text("BICFI", bic.as_str()),
                None => x.element("Othr", |x| x.text("Id", NO_BIC)),
            })
        });
    }

    fn start(&mut self, tag: &str, attribute: Option<(&str, &str)>) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        if let Some((name, value)) = attribute {
            // Writing to a String cannot fail.
            let _ = write!(self.out, " {name}=\"{}\"", escape(value));
        }
        self.out.push('>');
    }

    fn end(&mut self, tag: &str) {
        if self.out.ends_with('\n') {
            self.indent();
        }
        let _ = writeln!(self.out, "</{tag}>");
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

/// Text or (double-quoted) attribute value with `&`, `<`, `>` and `"`
/// escaped. The apostrophe, a SEPA character, stays literal: it needs no
/// escape there, and a bank counting a name's length sees one character.
/// SEPA text has none of the four after [`super::charset::latin`], but
/// nothing here relies on that.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            escape("a & b <c> \"d\" 'e'"),
            "a &amp; b &lt;c&gt; &quot;d&quot; 'e'"
        );
    }

    #[test]
    fn elements_nest_with_indentation() -> Result<(), super::super::IbanError> {
        let iban = Iban::parse("FR7630006000011234567890189")?;
        let xml = Xml::document("urn:x", |x| {
            x.element("A", |x| {
                x.text_with("Amt", Some(("Ccy", "EUR")), "1.00");
                x.account("Acct", &iban);
                x.agent("Agt", None);
            })
        });
        let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<Document xmlns=\"urn:x\">
  <A>
    <Amt Ccy=\"EUR\">1.00</Amt>
    <Acct>
      <Id>
        <IBAN>FR7630006000011234567890189</IBAN>
      </Id>
    </Acct>
    <Agt>
      <FinInstnId>
        <Othr>
          <Id>NOTPROVIDED</Id>
        </Othr>
      </FinInstnId>
    </Agt>
  </A>
</Document>
";
        assert_eq!(xml, expected);
        Ok(())
    }
}
