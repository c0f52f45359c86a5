# Print kyua's report (every failure in full), then the plain closing line
# CI reads:
# "N passed, N failed[, N skipped]".  Exit 1 when anything failed or broke.
# usage: sh regress/summary.sh OBJDIR
obj=${1:-obj-san}
db=$obj/results.db
[ -f "$db" ] || { echo "0 passed, 1 failed"; exit 1; }
if grep -q 'Test case' "$obj/report.txt" 2>/dev/null; then
	cat "$obj/report.txt"
fi
(cd regress && kyua report --results-file="../$db") > "$obj/summary.txt"
cat "$obj/summary.txt"
line=$(grep -E '^Test cases:' "$obj/summary.txt")
# "Test cases: T total, S skipped, X expected failures, B broken, F failed"
set -- $(echo "$line" | tr -cs '0-9' ' ')
total=$1 skipped=$2 xfail=$3 broken=$4 failed=$5
bad=$((broken + failed))
passed=$((total - skipped - bad))
echo "$passed passed, $bad failed, $skipped skipped"
[ "$bad" -eq 0 ] && [ "$total" -gt 0 ]
