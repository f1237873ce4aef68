#!/bin/bash
# lu2k-keygen as an admin uses it: genkey -o (mode 0600 whatever the umask,
# never over a file), pubkey from stdin and from -i (RFC 7748's key pair),
# genpsk, check (a key others can read is refused, with the fix), usage
# errors exit 2.
. "$(dirname "$0")/../lib/common.sh"
kg=$T_BIN/lu2k-keygen
[ -x "$kg" ] || t_fail "no $kg"
d=$T_DIR

(umask 0 && "$kg" genkey -o "$d/node.key") || t_fail "genkey -o failed"
[ "$(stat -c %a "$d/node.key")" = 600 ] || t_fail "genkey -o made mode $(stat -c %a "$d/node.key")"
[ "$(wc -c <"$d/node.key")" = 45 ] || t_fail "the key file is not one line of 44 characters"
"$kg" check "$d/node.key" >/dev/null || t_fail "check refused a key genkey made"
out=$("$kg" genkey -o "$d/node.key" 2>&1) && t_fail "genkey -o overwrote a key"
[[ $out == *"never overwritten"* ]] || t_fail "genkey over a file: $out"

pub_i=$("$kg" pubkey -i "$d/node.key") || t_fail "pubkey -i failed"
pub_s=$("$kg" pubkey <"$d/node.key") || t_fail "pubkey from stdin failed"
[ "$pub_i" = "$pub_s" ] && [ ${#pub_i} = 44 ] || t_fail "pubkey: '$pub_i' vs '$pub_s'"
# RFC 7748 6.1: Alice's private key and her public key, in base64
alice=$(python3 -c 'import base64; print(base64.b64encode(bytes.fromhex(
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")).decode())')
[ "$(echo "$alice" | "$kg" pubkey)" = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=" ] ||
	t_fail "pubkey of RFC 7748's key: $(echo "$alice" | "$kg" pubkey)"
a=$("$kg" genkey) && b=$("$kg" genkey) && [ "$a" != "$b" ] || t_fail "two genkey gave one key"
p=$("$kg" genpsk) && [ ${#p} = 44 ] || t_fail "genpsk: '$p'"
echo "not a key" | "$kg" pubkey >/dev/null 2>&1 && t_fail "pubkey took junk"
t_log "genkey, pubkey (RFC 7748 vector), genpsk"

chmod 644 "$d/node.key"
out=$("$kg" check "$d/node.key" 2>&1)
[ $? = 1 ] && [[ $out == *"chmod 600"* ]] || t_fail "a 0644 key: $out"
out=$("$kg" pubkey -i "$d/node.key" 2>&1) && t_fail "pubkey -i read a 0644 key"
ln -s "$d/node.key" "$d/link.key"
chmod 600 "$d/node.key"
"$kg" check "$d/link.key" >/dev/null 2>&1 && t_fail "check followed a symlink"
for bad in "" "frob" "genkey -i x" "pubkey -o x" "check" "check a b" "genkey extra"; do
	# shellcheck disable=SC2086
	"$kg" $bad >/dev/null 2>&1 </dev/null
	rc=$?
	[ $rc = 2 ] || t_fail "lu2k-keygen $bad: exit $rc, want 2"
done
t_log "refused: a key others can read, a symlink; usage errors exit 2"
echo PASS
