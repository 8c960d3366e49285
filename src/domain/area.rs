//! The area tree (city → district → street → community) and who acts on it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The level of an area in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// 市
    City,
    /// 县区
    District,
    /// 街镇
    Street,
    /// 社区
    Community,
}

impl AreaLevel {
    pub const ALL: [AreaLevel; 4] = [AreaLevel::City, AreaLevel::District, AreaLevel::Street, AreaLevel::Community];

    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::City => "city",
            AreaLevel::District => "district",
            AreaLevel::Street => "street",
            AreaLevel::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// May an area of level `child` sit under a parent of level `parent`?
/// A city is a root; every other level needs a parent of a higher level,
/// and a community's parent is a street or a district.
pub fn parent_allowed(child: AreaLevel, parent: Option<AreaLevel>) -> Result<(), &'static str> {
    use AreaLevel::*;
    match (child, parent) {
        (City, None) => Ok(()),
        (City, Some(_)) => Err("市级区域不能有上级"),
        (District | Street | Community, None) => Err("必须指定上级区域"),
        (Community, Some(Street | District)) => Ok(()),
        (Community, Some(City | Community)) => Err("社区的上级必须是街镇或县区"),
        (District | Street, Some(p)) if p < child => Ok(()),
        (District | Street, Some(_)) => Err("上级区域的层级必须高于本级"),
    }
}

/// The materialised path of an area: its ancestors' ids and its own, root first.
pub fn child_path(parent_path: Option<&str>, id: Uuid) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// The ids on a materialised path, root first, the area itself last.
pub fn path_ids(path: &str) -> Vec<Uuid> {
    path.split('/').filter_map(|s| Uuid::parse_str(s).ok()).collect()
}

/// Is someone who is staff of `staff_areas` staff of the area at `path`,
/// i.e. of that area or of one above it?
pub fn is_staff_of(staff_areas: &[Uuid], path: &str) -> bool {
    path_ids(path).iter().any(|id| staff_areas.contains(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use AreaLevel::*;

    #[test]
    fn levels_descend() {
        assert!(parent_allowed(City, None).is_ok());
        assert!(parent_allowed(District, Some(City)).is_ok());
        assert!(parent_allowed(Street, Some(District)).is_ok());
        assert!(parent_allowed(Street, Some(City)).is_ok());
        assert!(parent_allowed(Community, Some(Street)).is_ok());
        assert!(parent_allowed(Community, Some(District)).is_ok());
        assert!(parent_allowed(Community, Some(City)).is_err());
        assert!(parent_allowed(Community, Some(Community)).is_err());
        assert!(parent_allowed(Street, Some(Street)).is_err());
        assert!(parent_allowed(District, Some(Street)).is_err());
        assert!(parent_allowed(City, Some(City)).is_err());
        assert!(parent_allowed(Community, None).is_err());
    }

    #[test]
    fn staff_of_an_area_act_on_everything_below_it() {
        let (city, district, street, community, other) =
            (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let p_district = child_path(Some(&child_path(None, city)), district);
        let p_street = child_path(Some(&p_district), street);
        let p_community = child_path(Some(&p_street), community);
        assert_eq!(path_ids(&p_community), vec![city, district, street, community]);

        assert!(is_staff_of(&[community], &p_community));
        assert!(is_staff_of(&[street], &p_community));
        assert!(is_staff_of(&[city], &p_community));
        assert!(is_staff_of(&[other, district], &p_community));
        assert!(!is_staff_of(&[community], &p_street), "staff below do not act above");
        assert!(!is_staff_of(&[other], &p_community));
        assert!(!is_staff_of(&[], &p_community));
    }
}
