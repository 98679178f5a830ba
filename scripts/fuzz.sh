#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for SECONDS each (default 60), one after another, and prints
# per-target figures (runs, seconds, findings). See fuzz/README.md.
#
#   scripts/fuzz.sh [SECONDS]
#
# Environment: TARGETS="manifest condition" runs only those; SANITIZER=address builds with
# AddressSanitizer (default: none, for speed: herken and its parsers are safe Rust).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz="$root/fuzz"
sanitizer="${SANITIZER:-none}"

# cargo-fuzz passes nightly-only flags (-Z); a stable toolchain accepts them this way.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi

# Seed corpora, generated from the bundled rule sets (not committed).
seeds="$fuzz/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{manifest,observation,bundle,condition,closure,csv_row}
for dir in "$root"/rules/*/; do
  [ -f "$dir/ruleset.yaml" ] || continue
  id="$(basename "$dir")"
  cp "$dir/ruleset.yaml" "$seeds/manifest/$id.yaml"
  # Every `when:` / `ask_if:` on one line is a condition seed.
  sed -n -E 's/^[[:space:]-]*(when|ask_if):[[:space:]]*(.+)$/\2/p' "$dir/ruleset.yaml" |
    sed -E "s/^'(.*)'$/\1/; s/^\"(.*)\"$/\1/" | sort -u |
    while IFS= read -r cond; do
      printf '%s' "$cond" > "$seeds/condition/$id-$(printf '%s' "$cond" | cksum | cut -d' ' -f1)"
    done
done
# Scripted conditions the bundled sets do not have.
printf '%s' 'let h = obs.n; h != () && h > 48 && !obs.a' > "$seeds/condition/script-let"
printf '%s' 'fn f(x) { x * 2 } f(obs.n) > 60' > "$seeds/condition/script-fn"
printf '%s' 'let k = 0; for w in ["passport", "paspoort"] { if matches(obs.t, w) { k += 1 } } k > 0' \
  > "$seeds/condition/script-loop"
# Closures in conditions (the `closure` target builds its own from any bytes).
printf '%s' 'let l = [obs.n, 3, 1]; l.sort(|a, b| a - b); l[0] < 2' > "$seeds/condition/closure-sort"
printf '%s' 'obs.cs.map(|c| c.len()).filter(|n| n > 4).len() > 0' > "$seeds/condition/closure-map"
printf '%s' 'let l = [1, 1, 2]; l.dedup(|a, b| a == b); l.reduce(|s, x| s + x, 0) == 3' \
  > "$seeds/condition/closure-dedup"
printf '%s' 'let f = |x| x * obs.x; [1.0, 2.0].all(|v| f.call(v) > 0.0)' > "$seeds/condition/closure-call"
printf '\x00\x03\x01\x02\x0b\x04\x03\x00\x01\x02\x05' > "$seeds/closure/nested"
printf '\x01\x04\x02\x03\x05' > "$seeds/closure/throw"
cp "$root"/examples/*.json "$seeds/observation/"
if (cd "$root" && cargo build -q -p herken-cli); then
  # The bundle target trusts this key (32 bytes of 7) and reads a first byte: 0 a bundle,
  # 0x80 a line of `fromBundle` options and then a bundle.
  key="$seeds/publisher.key"
  printf 'herken-secret-key ed25519 %s\n' "$(printf '07%.0s' $(seq 32))" > "$key"
  public="herken-public-key ed25519 ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
  for dir in "$root"/rules/*/; do
    [ -f "$dir/ruleset.yaml" ] || continue
    id="$(basename "$dir")"
    { printf '\x00'; "$root/target/debug/herken" bundle "$dir" 2>/dev/null; } > "$seeds/bundle/$id.json" || true
    { printf '\x00'; "$root/target/debug/herken" bundle "$dir" --sign-key "$key" 2>/dev/null; } \
      > "$seeds/bundle/$id.signed.json" || true
    { printf '\x80{"trustedKeys": ["%s"]}\n' "$public"; "$root/target/debug/herken" bundle "$dir" --sign-key "$key" 2>/dev/null; } \
      > "$seeds/bundle/$id.options.json" || true
  done
  rm -f "$key"
else
  echo "fuzz.sh: herken does not build; the bundle target starts without seeds" >&2
fi
cp "$root/rules/mappings/ctdc.yaml" "$seeds/csv_row/ctdc-mapping"
printf '\n===\nmeansOfControlDebtBondage,meansOfControlTakesEarnings\n1,0\n-99,1\n' >> "$seeds/csv_row/ctdc-mapping"
printf 'deceived_about_job,hours_per_week,wages_withheld\nyes,72,no\n,,unknown\n1,-99,true\n' \
  > "$seeds/csv_row/plain"

cd "$fuzz"
targets="${TARGETS:-$(cargo fuzz list)}"
summary=()
for target in $targets; do
  mkdir -p "corpus/$target"
  log="$fuzz/artifacts/$target.log"
  mkdir -p "$fuzz/artifacts/$target"
  echo "fuzz.sh: $target for ${seconds}s" >&2
  status=0
  cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 > "$log" 2>&1 || status=$?
  runs="$(sed -n -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)"
  took="$(sed -n -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\2/p' "$log" | tail -1)"
  found="$(find "$fuzz/artifacts/$target" -type f | wc -l | tr -d ' ')"
  summary+=("$target: ${runs:-?} runs in ${took:-?} s, $found finding(s), exit $status")
  if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: $target failed; see $log and fuzz/artifacts/$target/" >&2
  fi
done
printf '%s\n' "${summary[@]}"
