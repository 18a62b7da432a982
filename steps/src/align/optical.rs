//! Optical duplicates: copies of one cluster read twice by the camera (or by a neighbouring well
//! of a patterned flow cell), told apart from library (PCR) duplicates by where they sit.
//!
//! Illumina read names end in `lane:tile:x:y` (`instrument:run:flowcell:lane:tile:x:y` since
//! CASAVA 1.8, `instrument:lane:tile:x:y#index/1` before). As in Picard, a duplicate pair is
//! optical when another pair of its duplicate group lies on the same lane and tile within the
//! pixel distance in both x and y (Picard's default is 100; 2500 suits patterned flow cells).
//! Names without a location never count as optical.

use super::dedup::PairEntry;

/// Lane, tile and cluster position parsed from a read name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub lane: u32,
    pub tile: u32,
    pub x: i64,
    pub y: i64,
}

/// The flow-cell location in an Illumina read name, if it has one.
pub fn location(name: &[u8]) -> Option<Location> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.split(['#', ' ', '/']).next()?;
    let fields: Vec<&str> = name.split(':').collect();
    if fields.len() < 5 {
        return None;
    }
    let last = &fields[fields.len() - 4..];
    Some(Location {
        lane: last[0].parse().ok()?,
        tile: last[1].parse().ok()?,
        x: last[2].parse().ok()?,
        y: last[3].parse().ok()?,
    })
}

/// Is pair `i` of a duplicate `group` within `distance` of another pair of the group?
pub fn is_optical(group: &[PairEntry], i: usize, distance: u32) -> bool {
    let Some(me) = location(&group[i].name) else {
        return false;
    };
    let d = distance as i64;
    group
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .any(|(_, other)| {
            location(&other.name).is_some_and(|o| {
                o.lane == me.lane
                    && o.tile == me.tile
                    && (o.x - me.x).abs() <= d
                    && (o.y - me.y).abs() <= d
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_illumina_name_styles() {
        let loc = Location {
            lane: 1,
            tile: 2548,
            x: 29116,
            y: 36260,
        };
        assert_eq!(
            location(b"A00217:77:HFJWFDSXX:1:2548:29116:36260"),
            Some(loc)
        );
        assert_eq!(location(b"HWI-ST1:1:2548:29116:36260#0"), Some(loc));
        assert_eq!(location(b"sim:1"), None);
        assert_eq!(location(b"a:b:c:d:e"), None);
    }

    #[test]
    fn nearby_clusters_on_one_tile_are_optical() {
        let entry = |name: &str, pair| {
            PairEntry::new((0, 1, false), (0, 9, true), 10, name.as_bytes(), pair)
        };
        let group = [
            entry("M:1:FC:1:1101:1000:1000", 0),
            entry("M:1:FC:1:1101:1050:1090", 1), // within 100 of pair 0
            entry("M:1:FC:1:1101:5000:1000", 2), // far away: a library duplicate
            entry("M:1:FC:1:1102:1000:1000", 3), // other tile
            entry("sim:4", 4),
        ];
        let optical: Vec<bool> = (0..group.len())
            .map(|i| is_optical(&group, i, 100))
            .collect();
        assert_eq!(optical, vec![true, true, false, false, false]);
        assert!(is_optical(&group, 2, 4000));
    }
}
