//! Memory sizes and durations as people write them in workflows: `4GiB`, `500M`, `1h30m`, `90s`.

use std::time::Duration;

/// Parse a memory size into bytes. A bare number is MiB.
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("cannot read memory `{text}`; write e.g. `4GiB`, `500MiB` or `2G`"))?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown memory unit `{other}` in `{text}`; use KiB, MiB, GiB or TiB"
            ))
        }
    };
    Ok((value * scale).round() as u64)
}

/// Parse a duration: `90s`, `30m`, `2h`, `1h30m`, `1d`, or `HH:MM:SS`. A bare number is minutes.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "cannot read duration `{text}`; write e.g. `90s`, `30m`, `2h`, `1h30m` or `01:30:00`"
        )
    };
    if t.contains(':') {
        let parts: Vec<u64> = t
            .split(':')
            .map(|p| p.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        let secs = parts.iter().fold(0, |acc, p| acc * 60 + p);
        return if parts.len() <= 3 {
            Ok(Duration::from_secs(secs))
        } else {
            Err(bad())
        };
    }
    if let Ok(minutes) = t.parse::<u64>() {
        return Ok(Duration::from_secs(minutes * 60));
    }
    let mut total = 0u64;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(bad()),
        };
    }
    if !num.is_empty() || t.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory() {
        assert_eq!(parse_memory("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_memory("512").unwrap(), 512 << 20);
        assert_eq!(parse_memory("1.5G").unwrap(), 3 << 29);
        assert!(parse_memory("lots").is_err());
        assert!(parse_memory("4 parsecs").unwrap_err().contains("unit"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_duration("01:00:05").unwrap(),
            Duration::from_secs(3605)
        );
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(600));
        assert!(parse_duration("1x").is_err());
        assert!(parse_duration("h").is_err());
    }
}
