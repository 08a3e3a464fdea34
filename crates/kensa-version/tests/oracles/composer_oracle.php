<?php
// Orders Composer version pairs (mode "compare") or checks constraints (mode
// "satisfies": lines are `version<TAB>constraint`) with composer/semver, the
// library Composer itself uses, as Debian's php-composer-semver installs it.
// "compare" normalises both sides as Semver::sort does (VersionParser::normalize,
// then normalizeDefaultBranch: dev-master/trunk/default are 9999999-dev), then
// asks Constraint::matchSpecific for <, == and > without comparing branches,
// as Composer's constraint matching does: any other `dev-<branch>` is equal
// only to itself and neither below nor above anything else ("unordered").
// "satisfies" is Semver::satisfies. Anything the parser rejects is "invalid".
// Usage: php composer_oracle.php MODE < input.tsv
require '/usr/share/php/Composer/Semver/autoload.php';

use Composer\Semver\Constraint\Constraint;
use Composer\Semver\Semver;
use Composer\Semver\VersionParser;

$mode = $argv[1];
$parser = new VersionParser();
$output = [];
while (($line = fgets(STDIN)) !== false) {
    $line = rtrim($line, "\n");
    if ($line === '') {
        continue;
    }
    [$left, $right] = explode("\t", $line, 2);
    try {
        if ($mode === 'compare') {
            $a = new Constraint('==', $parser->normalizeDefaultBranch($parser->normalize($left)));
            $b = $parser->normalizeDefaultBranch($parser->normalize($right));
            if ((new Constraint('<', $b))->matchSpecific($a)) {
                $output[] = 'lt';
            } elseif ((new Constraint('>', $b))->matchSpecific($a)) {
                $output[] = 'gt';
            } elseif ((new Constraint('==', $b))->matchSpecific($a)) {
                $output[] = 'eq';
            } else {
                $output[] = 'unordered';
            }
        } else {
            $output[] = Semver::satisfies($left, $right) ? 'true' : 'false';
        }
    } catch (\UnexpectedValueException $error) {
        $output[] = 'invalid';
    }
}
echo implode("\n", $output), $output ? "\n" : '';
