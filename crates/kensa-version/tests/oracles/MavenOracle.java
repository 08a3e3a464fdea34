// Orders Maven version pairs with Maven's own `ComparableVersion` (mode
// "compare"), or checks ranges with `VersionRange.createFromVersionSpec`
// and `containsVersion` (mode "satisfies": lines are `version<TAB>range`).
// A spec without brackets is Maven's *soft* requirement, which
// `containsVersion` lets every version meet; for a vulnerability match it
// means "exactly this version", so it is compared for equality with the
// recommended version instead (the reading kensa-version documents).
// `ComparableVersion` reads any string, so "compare" never answers invalid.
// Usage: java -cp maven-artifact.jar MavenOracle.java MODE < input.tsv
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import org.apache.maven.artifact.versioning.ArtifactVersion;
import org.apache.maven.artifact.versioning.ComparableVersion;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.InvalidVersionSpecificationException;
import org.apache.maven.artifact.versioning.VersionRange;

public class MavenOracle {
    public static void main(String[] arguments) throws Exception {
        boolean compare = arguments[0].equals("compare");
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter output = new PrintWriter(System.out);
        String line;
        while ((line = input.readLine()) != null) {
            int tab = line.indexOf('\t');
            String left = line.substring(0, tab);
            String right = line.substring(tab + 1);
            if (compare) {
                int order = Integer.signum(new ComparableVersion(left).compareTo(new ComparableVersion(right)));
                output.println(order < 0 ? "lt" : order > 0 ? "gt" : "eq");
                continue;
            }
            try {
                VersionRange range = VersionRange.createFromVersionSpec(right);
                ArtifactVersion version = new DefaultArtifactVersion(left);
                boolean holds = range.getRecommendedVersion() != null
                        ? range.getRecommendedVersion().compareTo(version) == 0
                        : range.containsVersion(version);
                output.println(holds);
            } catch (InvalidVersionSpecificationException error) {
                output.println("invalid");
            }
        }
        output.flush();
    }
}
