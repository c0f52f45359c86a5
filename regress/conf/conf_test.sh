# slirpd.conf(5) parser tests through the real "slirpd -n [-v] [-D m=v]
# -f file" (golden -nv outputs, error paths, file secrecy).

# Copies test data here with a mode the secrecy check accepts.
use()
{
	for f in "$@"; do
		cp "$(atf_get_srcdir)/$f" "$f" || atf_fail "cannot copy $f"
		chmod 600 "$f"
	done
}

# mkconf NAME 'printf format': writes a private config file.
mkconf()
{
	printf "$2" > "$1"
	chmod 600 "$1"
}

# golden NAME [args]: -v output equals NAME.out, then round trip.
golden()
{
	name=$1; shift
	use "$name.conf"
	atf_check -s exit:0 -o file:"$(atf_get_srcdir)/$name.out" \
	    -e inline:"configuration OK\n" \
	    "$(atf_get_srcdir)/../../slirpd" -n -v "$@" -f "$name.conf"
	roundtrip "$name.out"
}

# The printed form parses back to the same printed form.
roundtrip()
{
	cp "$(atf_get_srcdir)/$1" rt.conf
	chmod 600 rt.conf
	atf_check -s exit:0 -o file:"$(atf_get_srcdir)/$1" \
	    -e inline:"configuration OK\n" \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -f rt.conf
}

# bad 'config text' 'expected stderr': exit 1 and exactly these messages.
bad()
{
	mkconf e.conf "$1"
	atf_check -s exit:1 -o empty -e inline:"$2" \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -f e.conf
}

atf_test_case empty
empty_head() { atf_set descr "an empty file gives every default"; }
empty_body()
{
	golden empty
	atf_check -s exit:0 -o save:stdout -e ignore "$(atf_get_srcdir)/../../slirpd" -n -v -f empty.conf
	atf_check -o match:'^socket "/run/slirpd/slirpd.sock"$' cat stdout
	atf_check -o match:'^engine user "_slirpd"$' cat stdout
	atf_check -o match:'^	allow to any$' cat stdout
	# without -v nothing but the verdict
	atf_check -s exit:0 -o empty -e inline:"configuration OK\n" \
	    "$(atf_get_srcdir)/../../slirpd" -n -f empty.conf
}

atf_test_case minimal
minimal_head() { atf_set descr "comments and blank lines only"; }
minimal_body()
{
	golden minimal
	atf_check cmp "$(atf_get_srcdir)/minimal.out" \
	    "$(atf_get_srcdir)/empty.out"
}

atf_test_case full
full_head() { atf_set descr "every statement, golden output"; }
full_body()
{
	golden full
}

atf_test_case macros
macros_head() { atf_set descr "macros, -D, quoting and escapes"; }
macros_body()
{
	golden macros -D ctl=/run/test/ctl.sock
	# -D wins over a definition in the file
	atf_check -s exit:0 -o file:"$(atf_get_srcdir)/override.out" \
	    -e inline:"configuration OK\n" \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -D ctl=/c -D sockdir=/other -f macros.conf
	roundtrip override.out
	# a macro used before it is defined
	mkconf m.conf 'socket $s\ns = "/x"\n'
	atf_check -s exit:1 -e inline:"m.conf:1: macro 's' not defined\n" \
	    "$(atf_get_srcdir)/../../slirpd" -n -f m.conf
	atf_check -s exit:0 -e ignore -o match:'^socket "/y"$' \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -D s=/y -f m.conf
	# malformed -D
	atf_check -s exit:1 -e match:'macro definition' "$(atf_get_srcdir)/../../slirpd" -n -D =x -f m.conf
	atf_check -s exit:1 -e match:'macro definition' "$(atf_get_srcdir)/../../slirpd" -n -D x -f m.conf
	# numbers and keywords through macros
	mkconf k.conf 'p = 25\nt = "any"\npolicy "x" {\n\tdeny to $t port $p\n}\n'
	atf_check -s exit:0 -e ignore -o match:'^	deny to any port 25$' \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -f k.conf
}

atf_test_case include
include_head() { atf_set descr "include, relative to the including file"; }
include_body()
{
	mkdir sub
	use include.conf include-sub.conf
	mv include.conf include-sub.conf sub/
	atf_check -s exit:0 -o file:"$(atf_get_srcdir)/include.out" \
	    -e inline:"configuration OK\n" "$(atf_get_srcdir)/../../slirpd" -n -v -f sub/include.conf
	roundtrip include.out
	# errors name the included file and its own lines
	mkconf inc2.conf '\n\npolicy "x" {\n\tallow to 1.2.3.4/8\n}\n'
	mkconf top.conf '# top\ninclude "inc2.conf"\nsocket "/ok"\nbogus\n'
	atf_check -s exit:1 -o empty -e inline:"./inc2.conf:4: \"1.2.3.4/8\": host bits set (network is 1.0.0.0/8)\n./top.conf:4: unknown keyword \"bogus\"\n" \
	    "$(atf_get_srcdir)/../../slirpd" -n -f ./top.conf
}

atf_test_case resolvers
resolvers_head() { atf_set descr "up to four resolvers, default port 53"; }
resolvers_body()
{
	golden resolvers
}

atf_test_case err_syntax
err_syntax_head() { atf_set descr "syntax errors, several reported"; }
err_syntax_body()
{
	bad 'socket\n' 'e.conf:1: syntax error\n'
	bad 'socket "/a"\n\npolicy "p" {\n\tallow any\n\tdeny to any port\n}\nuser "u" { }\n' \
	    'e.conf:4: syntax error\ne.conf:5: syntax error\ne.conf:7: user block without policy\n'
	bad 'socket "relative"\nchroot ""\n' \
	    'e.conf:1: socket: "relative" is not an absolute path\ne.conf:2: chroot: empty string\n'
	bad 'x = {\n' 'e.conf:1: syntax error\n'
	bad 'chap-secrets "chap"\nchap-secrets\n' \
	    'e.conf:1: chap-secrets: "chap" is not an absolute path\ne.conf:2: syntax error\n'
	bad 'engine user "u" ~\n' "e.conf:1: unexpected character '~'\n"
}

atf_test_case err_keyword
err_keyword_head() { atf_set descr "unknown keywords"; }
err_keyword_body()
{
	bad 'frobnicate "x"\n' 'e.conf:1: unknown keyword "frobnicate"\n'
	bad '\npolicy "p" {\n\thost-alias loopback\n\tpermit to any\n}\n' \
	    'e.conf:4: unknown keyword "permit"\n'
	bad 'policy "p" {\n\thost-alias maybe\n}\n' 'e.conf:2: syntax error\n'
}

atf_test_case err_address
err_address_head() { atf_set descr "bad addresses and prefixes"; }
err_address_body()
{
	bad 'policy "p" {\n\tallow to 10.0.0.256\n\tdeny to 10.0.0.0/33\n\tdeny to 10.0.0/8\n\tallow to host.example\n}\nresolver 1.2.3\n' \
	    'e.conf:2: invalid address "10.0.0.256"\ne.conf:3: invalid prefix length in "10.0.0.0/33"\ne.conf:4: invalid address "10.0.0/8"\ne.conf:5: invalid address "host.example"\ne.conf:7: resolver: invalid address "1.2.3"\n'
}

atf_test_case err_hostbits
err_hostbits_head() { atf_set descr "a prefix with host bits set"; }
err_hostbits_body()
{
	bad 'policy "p" {\n\tallow to 10.0.0.1/8\n}\n' \
	    'e.conf:2: "10.0.0.1/8": host bits set (network is 10.0.0.0/8)\n'
	bad 'policy "p" { deny to 192.168.1.128/24 }\n' \
	    'e.conf:1: "192.168.1.128/24": host bits set (network is 192.168.1.0/24)\n'
	# /0 with an address is host bits too; /32 never
	bad 'policy "p" { deny to 1.0.0.0/0 }\n' \
	    'e.conf:1: "1.0.0.0/0": host bits set (network is 0.0.0.0/0)\n'
	mkconf ok.conf 'policy "p" { deny to 1.2.3.4/32 }\npolicy "q" { deny to 0.0.0.0/0 }\n'
	atf_check -s exit:0 -e ignore -o match:'^	deny to 1.2.3.4$' \
	    -o match:'^	deny to any$' "$(atf_get_srcdir)/../../slirpd" -n -v -f ok.conf
}

atf_test_case err_port
err_port_head() { atf_set descr "port ranges and out of range ports"; }
err_port_body()
{
	bad 'policy "p" {\n\tallow to any port 20:10\n}\n' \
	    'e.conf:2: port range "20:10": 20 > 10\n'
	bad 'policy "p" {\n\tallow to any port 0\n\tallow to any port 65536\n\tallow to any port 1:70000\n\tallow to any port 5:\n}\nresolver 127.0.0.1 port 0\n' \
	    'e.conf:2: port 0 out of range 1-65535\ne.conf:3: port 65536 out of range 1-65535\ne.conf:4: port range "1:70000" out of range 1-65535\ne.conf:5: invalid port range "5:"\ne.conf:7: resolver port 0 out of range 1-65535\n'
}

atf_test_case err_duplicate
err_duplicate_head() { atf_set descr "duplicate policies and bindings"; }
err_duplicate_body()
{
	bad 'policy "p" {\n}\npolicy "p" {\n}\n' \
	    'e.conf:3: duplicate policy "p"\n'
	bad 'policy "default" { allow to any }\npolicy "default" { deny to any }\n' \
	    'e.conf:2: duplicate policy "default"\n'
	bad 'user "a" { policy "default" }\nuser "a" { policy "default" }\ngroup "a" { policy "default" }\n' \
	    'e.conf:2: duplicate user "a"\n'
	bad 'user "a" {\n\tpolicy "default"\n\tpolicy "default"\n}\n' \
	    'e.conf:3: policy given twice in one block\n'
}

atf_test_case err_unknown_policy
err_unknown_policy_head() { atf_set descr "user/group naming no policy"; }
err_unknown_policy_body()
{
	bad '\nuser "a" { policy "nope" }\ngroup "g" {\n\tpolicy "gone"\n}\n' \
	    'e.conf:2: unknown policy "nope"\ne.conf:4: unknown policy "gone"\n'
	# a policy defined further down is fine
	mkconf ok.conf 'user "a" { policy "later" }\npolicy "later" { deny to any }\n'
	atf_check -s exit:0 -e ignore -o ignore "$(atf_get_srcdir)/../../slirpd" -n -f ok.conf
}

atf_test_case err_many
err_many_head() { atf_set descr "a file of errors is cut short"; }
err_many_body()
{
	i=0
	while [ $i -lt 200 ]; do
		echo "bogus$i"
		i=$((i + 1))
	done > e.conf
	chmod 600 e.conf
	atf_check -s exit:1 -o empty -e save:err \
	    "$(atf_get_srcdir)/../../slirpd" -n -f e.conf
	atf_check -o inline:"51\n" sh -c 'wc -l < err'
	atf_check -o match:'^e.conf:1: unknown keyword "bogus0"$' \
	    -o match:'^e.conf:50: unknown keyword "bogus49"$' \
	    -o match:'^e.conf:50: too many errors, giving up$' cat err
}

atf_test_case err_resolvers
err_resolvers_head() { atf_set descr "more than four resolvers"; }
err_resolvers_body()
{
	bad 'resolver 127.0.0.1\nresolver 127.0.0.2\nresolver 127.0.0.3\nresolver 127.0.0.4\nresolver 127.0.0.5\nresolver 127.0.0.6\n' \
	    'e.conf:5: too many resolvers (max 4)\ne.conf:6: too many resolvers (max 4)\n'
}

atf_test_case err_macro
err_macro_head() { atf_set descr "undefined and malformed macros"; }
err_macro_body()
{
	bad 'a = "/x"\nsocket $b\nchroot $\n' \
	    "e.conf:2: macro 'b' not defined\ne.conf:3: '\$' without a macro name\n"
	bad 'a-b = "x"\n' 'e.conf:1: invalid macro name "a-b"\n'
}

atf_test_case err_string
err_string_head() { atf_set descr "unterminated strings and bad escapes"; }
err_string_body()
{
	bad '\nsocket "/abc\nchroot "/x"\n' \
	    'e.conf:2: unterminated quoted string\n'
	bad 'socket "/abc' 'e.conf:1: unterminated quoted string\n'
	bad 'socket "/a\\qb"\n' 'e.conf:1: unknown escape \\q in string\n'
	# a string beyond its field
	long=$(printf '%070d' 0)
	bad "engine user \"$long\"\n" \
	    "e.conf:1: engine user: \"00000000000000000000000000000000...\" too long (max 63)\n"
}

atf_test_case err_include
err_include_head() { atf_set descr "missing include, loop, depth"; }
err_include_body()
{
	bad 'include "missing.conf"\n' \
	    'e.conf:1: include "missing.conf": No such file or directory\n'
	bad '\ninclude "e.conf"\n' 'e.conf:2: include "e.conf": include loop\n'
	# a loop through a second file
	mkconf a.conf 'include "b.conf"\n'
	mkconf b.conf '\ninclude "a.conf"\n'
	atf_check -s exit:1 -e inline:'./b.conf:2: include "./a.conf": include loop\n' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f ./a.conf
	# a chain of 8 includes is fine, 9 is too deep
	i=0
	while [ $i -lt 9 ]; do
		mkconf d$i.conf "include \"d$((i + 1)).conf\"\n"
		i=$((i + 1))
	done
	mkconf d9.conf 'socket "/deep"\n'
	atf_check -s exit:0 -e ignore -o match:'^socket "/deep"$' \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -f ./d1.conf
	atf_check -s exit:1 -e inline:'./d8.conf:1: include "d9.conf": nested too deep (max 8)\n' \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -f ./d0.conf
	# only regular files
	mkdir dir.conf
	mkfifo fifo.conf
	atf_check -s exit:1 -e inline:'dir.conf: not a regular file\n' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f dir.conf
	atf_check -s exit:1 -e inline:'fifo.conf: not a regular file\n' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f fifo.conf
	mkconf i.conf '\n\ninclude "dir.conf"\n'
	atf_check -s exit:1 -e inline:'i.conf:3: include "dir.conf": not a regular file\n' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f i.conf
	# the main file itself missing
	atf_check -s exit:1 -e match:'^nonexistent.conf: No such file' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f nonexistent.conf
}

atf_test_case secrecy
secrecy_head()
{
	atf_set descr "owner and mode of the file and its includes"
	atf_set require.user root
}
secrecy_body()
{
	mkconf s.conf 'socket "/s"\n'
	for m in 0600 0640 0400 0440; do
		chmod $m s.conf
		atf_check -s exit:0 -e inline:"configuration OK\n" \
		    "$(atf_get_srcdir)/../../slirpd" -n -f s.conf
	done
	for m in 0644 0604 0660 0620 0602 0666; do
		chmod $m s.conf
		atf_check -s exit:1 -o empty \
		    -e match:"^s.conf: owner or permissions insecure \\(mode $m" \
		    "$(atf_get_srcdir)/../../slirpd" -n -f s.conf
	done
	chmod 0600 s.conf
	chown nobody s.conf
	atf_check -s exit:1 -o empty \
	    -e match:'^s.conf: owner or permissions insecure \(owned by uid' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f s.conf
	# the rule holds for included files too
	mkconf top.conf 'include "s.conf"\n'
	atf_check -s exit:1 -e match:'^./s.conf: owner or permissions insecure' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f ./top.conf
	chown root s.conf
	chmod 0644 s.conf
	atf_check -s exit:1 -e match:'^./s.conf: owner or permissions insecure' \
	    "$(atf_get_srcdir)/../../slirpd" -n -f ./top.conf
	chmod 0640 s.conf
	atf_check -s exit:0 -e ignore "$(atf_get_srcdir)/../../slirpd" -n -f ./top.conf
}

atf_test_case sample
sample_head() { atf_set descr "etc/slirpd.conf parses and round-trips"; }
sample_body()
{
	cp "$(atf_get_srcdir)/../../../etc/slirpd.conf" slirpd.conf.sample
	chmod 600 slirpd.conf.sample
	atf_check -s exit:0 -o save:out -e inline:"configuration OK\n" \
	    "$(atf_get_srcdir)/../../slirpd" -n -v -f slirpd.conf.sample
	cp out rt.conf
	chmod 600 rt.conf
	atf_check -s exit:0 -o file:out -e ignore "$(atf_get_srcdir)/../../slirpd" -n -v -f rt.conf
}

atf_init_test_cases()
{
	atf_add_test_case empty
	atf_add_test_case minimal
	atf_add_test_case full
	atf_add_test_case macros
	atf_add_test_case include
	atf_add_test_case resolvers
	atf_add_test_case err_syntax
	atf_add_test_case err_keyword
	atf_add_test_case err_address
	atf_add_test_case err_hostbits
	atf_add_test_case err_port
	atf_add_test_case err_duplicate
	atf_add_test_case err_unknown_policy
	atf_add_test_case err_many
	atf_add_test_case err_resolvers
	atf_add_test_case err_macro
	atf_add_test_case err_string
	atf_add_test_case err_include
	atf_add_test_case secrecy
	atf_add_test_case sample
}
