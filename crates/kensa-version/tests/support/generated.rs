//! Generated tricky versions per scheme: epochs, `~`, `^`, pre-releases,
//! long numbers, letters, separators, and some invalid strings — the edge
//! cases real data rarely holds. Real versions come from the sibling modules.

use kensa_version::VersionScheme;

/// Crosses parts into versions: every combination of one item from each list.
pub(crate) fn cross(lists: &[&[&str]]) -> Vec<String> {
    let mut results = vec![String::new()];
    for list in lists {
        results = results.iter().flat_map(|prefix| list.iter().map(move |item| format!("{prefix}{item}"))).collect();
    }
    results
}

/// Tricky versions per scheme: epochs, `~`, `^`, pre-releases, long numbers,
/// letters, separators, and some invalid strings.
pub(crate) fn generated_versions(scheme: VersionScheme) -> Vec<String> {
    let numbers: &[&str] = &["0", "1", "01", "2", "10", "99999999999999999999"];
    let mut versions = match scheme {
        VersionScheme::Dpkg => {
            let mut versions = cross(&[
                &["", "1:", "0:"],
                &["1.0", "1.00", "1.0a", "1.0+dfsg", "1.0~rc1", "1.0~", "1.0.1", "1a"],
                &["", "-1", "-1ubuntu1", "-0", "-1~bpo1", "-1+deb12u1"],
            ]);
            versions.extend(["1.0-", ":1.0", "abc", "1.0 1", "1.0_1", "a:1", "2147483648:1"].map(String::from));
            versions
        }
        VersionScheme::Rpm => {
            let mut versions = cross(&[
                &["", "1:", "0:", ":"],
                &["1.0", "1.0~rc1", "1.0^git1", "1.0^", "1.0a", "1.010", "1_0", "1.0."],
                &["", "-1", "-1.el9", "-1.el9_2", "-1~beta"],
            ]);
            versions.extend(["a", "~", "^", "1..2", "1.0-1-2"].map(String::from));
            versions
        }
        VersionScheme::Apk => {
            let mut versions = cross(&[
                &["1.0", "1.01", "1.00", "1", "1.0a", "1.2.3"],
                &["", "_alpha1", "_beta", "_pre2", "_rc1", "_p1", "_git20200101", "_cvs", "_svn1", "_hg2"],
                &["", "-r0", "-r1", "-r10"],
            ]);
            versions.extend(["1.0_foo", "1.0ab", "1.0-1", "a", "1.0_rc1_p2", "2.0p1"].map(String::from));
            versions
        }
        VersionScheme::Pep440 => cross(&[
            &["", "1!", "v"],
            &["1.0", "1.0.0", "1.01"],
            &["", "a1", "b2", "rc1", "-alpha.1", ".dev0", ".post1", "-1", "c1", "pre1"],
            &["", "+local.1", "+1"],
        ]),
        VersionScheme::Maven => {
            let qualifiers: &[&str] = &[
                "",
                "-alpha-1",
                "-a1",
                "-beta",
                "-b2",
                "-milestone-1",
                "-m1",
                "-rc1",
                "-cr1",
                "-snapshot",
                "-SNAPSHOT",
                "-ga",
                "-final",
                ".release",
                "-sp1",
                "-foo",
                ".foo",
                "-1",
                ".0",
                "a",
                "-0",
            ];
            cross(&[&["1", "1.0", "1.0.0", "1.1", "1-1", "1.0.1"], qualifiers])
        }
        VersionScheme::NuGet => cross(&[
            &["1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.1", "01.0"],
            &["", "-alpha", "-ALPHA", "-beta.2", "-beta.10", "-1", "-01", "-rc.1.x"],
            &["", "+build.1"],
        ]),
        VersionScheme::RubyGems => {
            cross(&[&["1", "1.0", "1.0.0", "1.01", "2"], &["", ".a", ".rc1", "-1", ".pre.2", "b", ".0.1", "-beta"]])
        }
        VersionScheme::Composer => {
            let mut versions = cross(&[
                &["", "v"],
                &["1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.1"],
                &[
                    "", "-dev", "-alpha1", "-a2", "-beta", "-b1", "-RC1", "-rc.2", "-pl1", "-p2", "-patch1", "-stable",
                    "+build",
                ],
            ]);
            // Branches and dates: `dev-<name>` is ordered against nothing but itself.
            let branches_and_dates =
                ["dev-master", "dev-feature/x", "master", "1.x-dev", "1.0.x-dev", "v2.x-dev", "20230102", "2023-01-02"];
            versions.extend(branches_and_dates.map(String::from));
            versions
        }
        VersionScheme::Pub => cross(&[
            &["1.0.0", "01.0.0", "1.0.1", "0.9.99"],
            &["", "-1", "-01", "-a", "-dev.2", "-beta.10", "-beta.9"],
            &["", "+1", "+2", "+b"],
        ]),
        VersionScheme::Go => cross(&[
            &["v", ""],
            &["1.2.3", "1.2.4", "0.0.0", "1.2", "1"],
            &["", "-0.20191109021931-daa7c04131f5", "-rc.1", "-rc.1.0.20191109021931-daa7c04131f5", "-pre"],
            &["", "+incompatible"],
        ]),
        VersionScheme::Semver | VersionScheme::Hex | VersionScheme::Npm => {
            let mut versions = cross(&[
                &["1.0.0", "1.2.3", "0.0.1", "1.0", "01.0.0"],
                &["", "-alpha", "-alpha.1", "-alpha.beta", "-beta.2", "-beta.11", "-rc.1", "-0", "-01", "-x-y"],
                &["", "+build.5", "+001"],
            ]);
            if scheme == VersionScheme::Npm {
                versions.extend(["v1.2.3", "=1.2.3", " 1.2.3 ", "v 1.2.3", "1.2.3-"].map(String::from));
            }
            versions
        }
        _ => Vec::new(),
    };
    versions.extend(numbers.iter().map(|number| format!("{number}.{number}.{number}")));
    versions
}

/// Tricky requirement strings per scheme, beside the feeds' real ones:
/// every operator, pessimistic and caret/tilde forms, wildcards, unions,
/// pre-release bounds and some malformed strings.
pub(crate) fn generated_requirements(scheme: VersionScheme) -> Vec<String> {
    let requirements: &[&str] = match scheme {
        VersionScheme::RubyGems => &[
            "~> 1.2",
            "~> 1.2.3",
            "~> 1.0.a",
            "~> 1",
            "!= 1.0",
            "= 1.0.0",
            "= 1",
            "> 1.0.a",
            ">= 1.0.rc1, < 1.1",
            "< 2.pre",
            "<= 1.01",
            "~> 0.9.9, >= 0.9.9.3",
            ">=1.2",
            "1.2",
            ">= 1.a",
            "=> 1.0",
            "~>",
            "1.0 2.0",
        ],
        VersionScheme::Composer => &[
            "^1.2",
            "^0.3",
            "^0.0.3",
            "~1.2",
            "~1.2.3",
            "~1",
            "1.2.*",
            "1.*",
            "*",
            "1.0 - 2.0",
            "1.0.0 - 2.1.3",
            ">=1.0,<1.1 || >=1.2",
            ">=1.0 <1.1 | ^2",
            "<1.2-dev",
            "<1.2",
            ">=1.0-beta1",
            "!=1.0.0",
            "<>1.0",
            "==1.0",
            "=1.0",
            "1.0.0.0",
            "^1.2@dev",
            ">=v1.0",
            "dev-master",
            "<=1.0-p2",
            ">1.0-RC1",
            ">=1.0,,<2",
            "^",
            "1.0 -",
            "foo",
        ],
        VersionScheme::Maven => &["[1.0,2.0)", "(1.0,)", "[1.0]", "1.0", "(,1.0],[1.2,)", "[1.0-alpha-1,1.0)"],
        _ => &[],
    };
    requirements.iter().map(|requirement| (*requirement).to_owned()).collect()
}
