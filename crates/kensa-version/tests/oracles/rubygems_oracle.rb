# Orders RubyGems version pairs with `Gem::Version#<=>` (mode "compare"), or
# checks requirements with `Gem::Requirement#satisfied_by?` (mode
# "satisfies": lines are `version<TAB>requirement`, where a requirement is
# comma-separated as rubysec writes `patched_versions` entries and
# bundler-audit splits them).
# Output: one of lt/eq/gt/invalid, or true/false/invalid, per input line.
# Usage: ruby rubygems_oracle.rb MODE < input.tsv
require "rubygems"

mode = ARGV.fetch(0)

def version(text)
  # `Gem::Version.new("")` is version 0; an empty string is no version here.
  return nil if text.strip.empty? || !Gem::Version.correct?(text)
  Gem::Version.new(text)
end

STDOUT.sync = false
STDIN.each_line do |line|
  left, right = line.chomp("\n").split("\t", 2)
  right ||= ""
  if mode == "compare"
    a = version(left)
    b = version(right)
    if a.nil? || b.nil?
      puts "invalid"
    else
      puts({ -1 => "lt", 0 => "eq", 1 => "gt" }.fetch(a <=> b))
    end
  else
    candidate = version(left)
    begin
      requirement = Gem::Requirement.new(*right.split(",").map(&:strip))
      puts(candidate.nil? ? "invalid" : requirement.satisfied_by?(candidate).to_s)
    rescue Gem::Requirement::BadRequirementError, ArgumentError
      puts "invalid"
    end
  end
end
