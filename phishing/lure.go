package phishing

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// lureWords are the wordings of airdrop and claim scams. A field that holds
// one of them and a link to a domain that is not whitelisted is a lure.
var lureWords = regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(claim(?:s|ed|ing)?|air-?drops?|rewards?|mint[ -]?now|free[ -]?mint|giveaways?|redeem(?:able)?|bonus)(?:$|[^\pL\pN])`)

// lureKeyword returns the first lure word of text, lower case, or "".
func lureKeyword(text string) string {
	if len(text) > MaxFieldBytes {
		text = text[:MaxFieldBytes]
	}
	m := lureWords.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// confusables maps characters that look like a Latin letter or digit to it:
// the Cyrillic, Greek, Armenian and other look-alikes of Unicode's
// confusables.txt that phishing domains use for Latin targets. Accented
// Latin letters are handled by removing their marks (NFD).
var confusables = map[rune]rune{
	// Cyrillic.
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i', 'ј': 'j',
	'к': 'k', 'ӏ': 'l', 'м': 'm', 'п': 'n', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'г': 'r', 'ѕ': 's', 'т': 't',
	'ս': 'u', 'ѵ': 'v', 'ԝ': 'w', 'х': 'x', 'у': 'y', 'ү': 'y', 'з': '3', 'б': '6',
	// Greek.
	'α': 'a', 'β': 'b', 'ϲ': 'c', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'γ': 'y', 'ω': 'w', 'ϳ': 'j',
	// Armenian and others.
	'օ': 'o', 'ո': 'n', 'ց': 'g', 'հ': 'h', 'ա': 'w', 'ɑ': 'a', 'ɡ': 'g', 'ɩ': 'i', 'ı': 'i', 'ȷ': 'j',
	'ʏ': 'y', 'ɪ': 'i', 'ᴏ': 'o', 'ᴄ': 'c', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z', 'ꮃ': 'w', 'ꭰ': 'd', 'ꮪ': 's',
	'ł': 'l', 'ƚ': 'l', 'đ': 'd', 'ħ': 'h', 'ø': 'o', 'ß': 'b', 'ŀ': 'l', 'ǀ': 'l', 'ℓ': 'l',
}

// skeleton maps s to the Latin letters it looks like: marks removed
// (é → e), look-alikes replaced (Cyrillic а → a), lower case.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if c, ok := confusables[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	return b.String()
}

// lookalike reports whether a punycode domain (one with an xn-- label) is
// written to look like a whitelisted or fuzzylist domain: its Unicode
// form's skeleton is such a domain, a subdomain of one, or such a domain
// under another top-level label. It returns the Unicode form and the
// imitated domain.
func (l *Lists) lookalike(domain string) (unicodeForm, target string, ok bool) {
	if !strings.Contains(domain, "xn--") {
		return "", "", false
	}
	u, err := idna.ToUnicode(domain)
	if err != nil || u == domain {
		return "", "", false
	}
	sk := skeleton(u)
	if sk == u || sk == domain {
		return u, "", false
	}
	if e, ok := matchList(parts(sk), l.targets); ok {
		return u, e, true
	}
	if t := l.targetForms[fuzzyForm(parts(sk))]; t != "" {
		return u, t, true
	}
	return u, "", false
}
