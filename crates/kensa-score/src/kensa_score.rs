//! The Kensa score: a 0–10 risk score per finding that starts from CVSS and
//! is adjusted for what is known about exploitation and the environment, with
//! every adjustment listed as (factor, effect, reason) — the formula is
//! written out in docs/kensa-score.md and must stay in step with this file.
//!
//! Pure: the inputs are the finding (CVSS vectors, severity, KEV entry, EPSS
//! score, fix state) and the resource's network exposure, which the caller
//! supplies (a flag today; network reachability analysis later).

use kensa_model::{CvssVersion, Exposure, Finding, FixState, KensaScore, ScoreAdjustment, Severity};

/// The base score a severity stands for when no CVSS vector gives one: the
/// middle of the CVSS v3 band of that rating.
fn severity_midpoint(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 2.0,
        Severity::Unknown => 5.0,
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Whether the vulnerability is exploitable over the network (CVSS `AV:N`),
/// when a vector says; `None` without a vector.
fn network_attack_vector(finding: &Finding) -> Option<bool> {
    finding
        .cvss
        .iter()
        .find(|vector| matches!(vector.version, CvssVersion::V3 | CvssVersion::V4))
        .or_else(|| finding.cvss.first())
        .map(|vector| vector.vector.split('/').any(|metric| metric == "AV:N"))
}

/// A percentile as an English ordinal, rounded: `71st`, `92nd`, `13th`, `100th`.
fn ordinal(percentile: f64) -> String {
    let whole = percentile.round().clamp(0.0, 100.0) as u32;
    let suffix = match (whole % 10, whole % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{whole}{suffix}")
}

/// Scores one finding.
pub fn kensa_score(finding: &Finding, exposure: Exposure) -> KensaScore {
    let mut adjustments = Vec::new();
    let assessed = crate::assess(&finding.cvss, None);
    let base = match assessed.score {
        Some(score) => {
            let reason = format!("CVSS base score {score:.1} ({})", assessed.source.as_str().replace('_', " "));
            adjustments.push(ScoreAdjustment { factor: "cvss".to_owned(), effect: score, reason });
            score
        }
        None => {
            let base = severity_midpoint(finding.severity);
            let reason = match finding.severity_source.as_str() {
                "none" => {
                    format!("no CVSS vector and no rating: the middle of the {} band", finding.severity.as_str())
                }
                source => format!(
                    "no CVSS vector: the middle of the {} band ({} rating)",
                    finding.severity.as_str(),
                    source.replace('_', " ")
                ),
            };
            adjustments.push(ScoreAdjustment { factor: "cvss".to_owned(), effect: base, reason });
            base
        }
    };
    let mut score = base;
    let mut adjust = |factor: &str, effect: f64, reason: String| {
        score += effect;
        adjustments.push(ScoreAdjustment { factor: factor.to_owned(), effect: round(effect), reason });
    };
    if let Some(entry) = &finding.known_exploited {
        let mut reason = format!("exploited in the wild: in CISA KEV since {}", entry.date_added);
        if !entry.due_date.is_empty() {
            reason.push_str(&format!(" (federal remediation due {})", entry.due_date));
        }
        let effect = if entry.known_ransomware_use {
            reason.push_str("; used in ransomware campaigns");
            2.5
        } else {
            2.0
        };
        adjust("known_exploited", effect, reason);
    }
    if let Some(epss) = finding.epss {
        let percentile = epss.percentile * 100.0;
        if epss.probability >= 0.1 {
            // Up to +2 for a certain exploitation forecast.
            let reason = format!(
                "EPSS: {:.1} % probability of exploitation in the next 30 days ({} percentile)",
                epss.probability * 100.0,
                ordinal(percentile)
            );
            adjust("epss", 2.0 * epss.probability, reason);
        } else if epss.percentile < 0.5 {
            let reason = format!(
                "EPSS: {:.2} % probability of exploitation in the next 30 days, lower than half of all CVEs",
                epss.probability * 100.0
            );
            adjust("epss", -0.5, reason);
        } else {
            let reason = format!(
                "EPSS: {:.2} % probability of exploitation in the next 30 days ({} percentile): no change",
                epss.probability * 100.0,
                ordinal(percentile)
            );
            adjust("epss", 0.0, reason);
        }
    }
    match finding.fix_state {
        FixState::Fixed => {
            let reason = match finding.fixed_versions.first() {
                Some(version) => format!("a fix is available: upgrade to {version}"),
                None => "a fix is available".to_owned(),
            };
            adjust("fix", 0.0, reason);
        }
        FixState::WillNotFix => {
            adjust("fix", -1.0, "the distribution will not fix it, judging it minor for its build".to_owned());
        }
        FixState::FixDeferred => {
            adjust("fix", -0.5, "the distribution has deferred the fix, judging it not urgent".to_owned());
        }
        FixState::NotFixed | FixState::EndOfLife | FixState::NotAffected => {
            adjust("fix", 0.0, format!("no fix yet ({}): mitigate rather than upgrade", finding.fix_state.as_str()));
        }
    }
    let network = network_attack_vector(finding);
    match (exposure, network) {
        (Exposure::Unknown, _) => {}
        (_, Some(false)) => adjust(
            "exposure",
            0.0,
            "the attack needs local, adjacent or physical access: network exposure does not change it".to_owned(),
        ),
        (Exposure::Internet, Some(_)) => {
            adjust(
                "exposure",
                1.0,
                "the resource is reachable from the internet and the attack works over the network".to_owned(),
            );
        }
        // Without a vector nobody says how the attack is made: raising is the
        // safe side when the resource faces the internet, lowering is not when
        // it is isolated.
        (Exposure::Internet, None) => {
            adjust(
                "exposure",
                1.0,
                "the resource is reachable from the internet; no CVSS vector says how the attack is made, so it is taken to work over the network".to_owned(),
            );
        }
        (Exposure::Internal, _) => {
            adjust("exposure", 0.0, "the resource is reachable from the internal network only".to_owned())
        }
        (Exposure::Isolated, Some(_)) => {
            adjust(
                "exposure",
                -1.5,
                "the resource has no network access, and the attack works over the network".to_owned(),
            );
        }
        (Exposure::Isolated, None) => {
            adjust(
                "exposure",
                0.0,
                "the resource has no network access, but no CVSS vector says the attack needs the network: not lowered"
                    .to_owned(),
            );
        }
    }
    KensaScore { score: round(score.clamp(0.0, 10.0)), adjustments }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding with the given CVSS vector (v3 when it starts with CVSS:3),
    /// severity, fix state, KEV entry and EPSS score.
    fn finding(vector: Option<&str>, severity: &str, fix_state: &str, extra: serde_json::Value) -> Finding {
        let mut value = serde_json::json!({
            "id": "CVE-2021-0001", "aliases": [],
            "package": {"name": "p", "version": "1", "ecosystem": "npm", "purl": "pkg:npm/p@1", "location": "x", "layer": null},
            "fixed_versions": if fix_state == "fixed" { serde_json::json!(["2.0"]) } else { serde_json::json!([]) },
            "fix_state": fix_state, "distro_severity": null, "known_exploited": null,
            "severity": severity, "severity_source": "database",
            "cvss": vector.map(|vector| vec![serde_json::json!({"version": "V3", "vector": vector})]).unwrap_or_default(),
            "summary": "", "references": [], "informational": null, "evidence": [], "fingerprint": "f",
        });
        if let (Some(target), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        serde_json::from_value(value).unwrap()
    }

    const NETWORK_CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const LOCAL_HIGH: &str = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";

    #[test]
    fn exploitation_and_exposure_raise_and_the_score_is_capped() {
        let extra = serde_json::json!({
            "known_exploited": {"cve": "CVE-2021-0001", "date_added": "2021-12-10", "due_date": "2021-12-24",
                                "known_ransomware_use": true, "name": "x"},
            "epss": {"probability": 0.9, "percentile": 0.999},
        });
        let scored = kensa_score(&finding(Some(NETWORK_CRITICAL), "CRITICAL", "fixed", extra), Exposure::Internet);
        let factors: Vec<(&str, f64)> =
            scored.adjustments.iter().map(|adjustment| (adjustment.factor.as_str(), adjustment.effect)).collect();
        assert_eq!(factors, [("cvss", 9.8), ("known_exploited", 2.5), ("epss", 1.8), ("fix", 0.0), ("exposure", 1.0)]);
        assert_eq!(scored.score, 10.0);
        assert!(
            scored.adjustments[1].reason.contains("2021-12-10") && scored.adjustments[1].reason.contains("ransomware")
        );
        assert!(scored.adjustments[3].reason.contains("upgrade to 2.0"));
    }

    #[test]
    fn without_a_vector_the_rating_band_is_the_base_and_low_epss_lowers_it() {
        let extra = serde_json::json!({"epss": {"probability": 0.0004, "percentile": 0.1}});
        let scored = kensa_score(&finding(None, "MEDIUM", "not_fixed", extra), Exposure::Unknown);
        assert_eq!(scored.score, 5.0);
        assert!(scored.adjustments[0].reason.contains("no CVSS vector"), "{:?}", scored.adjustments);
        assert_eq!(scored.adjustments.len(), 3, "no exposure adjustment when exposure is unknown");
    }

    #[test]
    fn local_attacks_ignore_exposure_and_distro_decisions_lower() {
        let scored =
            kensa_score(&finding(Some(LOCAL_HIGH), "HIGH", "will_not_fix", serde_json::json!({})), Exposure::Internet);
        assert_eq!(scored.score, 6.8);
        let exposure = scored.adjustments.iter().find(|adjustment| adjustment.factor == "exposure").unwrap();
        assert_eq!(exposure.effect, 0.0);
        assert!(exposure.reason.contains("local"));
        let isolated = kensa_score(
            &finding(Some(NETWORK_CRITICAL), "CRITICAL", "fix_deferred", serde_json::json!({})),
            Exposure::Isolated,
        );
        assert_eq!(isolated.score, 7.8);
    }

    #[test]
    fn percentiles_read_as_ordinals() {
        let read: Vec<String> = [71.2, 92.0, 3.0, 11.0, 12.4, 13.0, 21.0, 99.6, 100.0].map(ordinal).to_vec();
        assert_eq!(read, ["71st", "92nd", "3rd", "11th", "12th", "13th", "21st", "100th", "100th"]);
    }

    /// With no vector the attack vector is unknown: an internet-facing
    /// resource still takes the raise (the safe side), an isolated one is not
    /// lowered on a guess, and neither reason claims a network attack.
    #[test]
    fn without_a_vector_exposure_raises_but_never_lowers() {
        let internet = kensa_score(&finding(None, "HIGH", "fixed", serde_json::json!({})), Exposure::Internet);
        let raised = internet.adjustments.iter().find(|adjustment| adjustment.factor == "exposure").unwrap();
        assert_eq!(raised.effect, 1.0);
        assert!(raised.reason.contains("no CVSS vector"), "{}", raised.reason);
        let isolated = kensa_score(&finding(None, "HIGH", "fixed", serde_json::json!({})), Exposure::Isolated);
        let kept = isolated.adjustments.iter().find(|adjustment| adjustment.factor == "exposure").unwrap();
        assert_eq!(kept.effect, 0.0);
        assert_eq!(isolated.score, internet.score - 1.0);
    }
}
