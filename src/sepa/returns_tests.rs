use super::*;

const PAIN_002: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-09T07:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>SDD-2026-12</OrgnlMsgId>
      <OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>
      <GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>SDD-2026-12-1</OrgnlPmtInfId>
      <TxInfAndSts>
        <OrgnlEndToEndId>M-17-2026-12</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
        <OrgnlTxRef>
          <Amt><InstdAmt Ccy="EUR">25.5</InstdAmt></Amt>
          <ReqdColltnDt>2026-12-10</ReqdColltnDt>
        </OrgnlTxRef>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>M-18-2026-12</OrgnlEndToEndId>
        <TxSts>ACCP</TxSts>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>M-19-2026-12</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>"#;

const CAMT_054: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>N-1</MsgId><CreDtTm>2026-12-20T07:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-1</Id>
      <Ntry>
        <Amt Ccy="EUR">40.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <BookgDt><Dt>2026-12-19</Dt></BookgDt>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>M-20-2026-12</EndToEndId></Refs>
            <Amt Ccy="EUR">15.00</Amt>
            <RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>
          </TxDtls>
          <TxDtls>
            <Refs><EndToEndId>M-21-2026-12</EndToEndId></Refs>
            <Amt Ccy="EUR">25.00</Amt>
            <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
          </TxDtls>
          <TxDtls>
            <Refs><EndToEndId>OTHER</EndToEndId></Refs>
            <Amt Ccy="EUR">9.00</Amt>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>"#;

fn day(d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 12, d)
}

#[test]
fn a_status_report_lists_its_rejects() {
    let report = read(PAIN_002);
    let expected = Report {
        source: Source::StatusReport,
        original_message_id: Some("SDD-2026-12".to_owned()),
        whole_file_rejected: None,
        returned: vec![
            Returned {
                end_to_end_id: "M-17-2026-12".to_owned(),
                reason: "AM04".to_owned(),
                amount_minor: Some(2550),
                on: day(10),
            },
            Returned {
                end_to_end_id: "M-19-2026-12".to_owned(),
                reason: "NARR".to_owned(),
                amount_minor: None,
                on: None,
            },
        ],
    };
    assert_eq!(report, Ok(expected));
}

#[test]
fn a_whole_file_reject_is_said() {
    let xml = PAIN_002.replace(
        "<GrpSts>PART</GrpSts>",
        "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf>",
    );
    let report = read(&xml);
    assert_eq!(
        report.map(|r| r.whole_file_rejected),
        Ok(Some("FF01".to_owned()))
    );
}

#[test]
fn a_notification_lists_returns_and_refunds() {
    let report = read(CAMT_054);
    let returned = report.map(|r| {
        r.returned
            .into_iter()
            .map(|x| (x.end_to_end_id, x.reason, x.amount_minor, x.on))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        returned,
        Ok(vec![
            (
                "M-20-2026-12".to_owned(),
                "MD06".to_owned(),
                Some(1500),
                day(19)
            ),
            (
                "M-21-2026-12".to_owned(),
                "AC04".to_owned(),
                Some(2500),
                day(19)
            ),
        ])
    );
}

#[test]
fn reasons_have_consequences() {
    assert_eq!(consequence("AM04"), Consequence::Retry);
    assert_eq!(consequence("MD06"), Consequence::Refunded);
    assert_eq!(consequence("AC04"), Consequence::MandateEnded);
    assert_eq!(consequence("MD02"), Consequence::Review);
}

#[test]
fn other_files_are_refused() {
    assert_eq!(read("<a/>"), Err(ReadError::UnknownMessage));
    assert!(matches!(read("not xml"), Err(ReadError::Xml(_))));
    assert_eq!(minor("1.234"), None);
    assert_eq!(minor("7"), Some(700));
}
