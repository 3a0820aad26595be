package io.seedflow.core.data.mail;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The readable text of an HTML document: comments, {@code <script>} and {@code <style>} elements and all tags
 * removed, character references decoded. An unclosed comment, script or style loses only its tag, never the rest of the
 * document (spam often leaves them open). Block-level tags ({@code <p>}, {@code <br>}, {@code <td>}, ...)
 * become a space so that words in adjacent cells stay apart; inline tags ({@code <b>}, {@code <font>}) vanish, so
 * {@code sp<b>a</b>m} stays one word. Whitespace is not collapsed here (see {@link EmailText#collapseWhitespace}).
 */
public final class HtmlText {
    private static final Pattern HIDDEN = Pattern.compile(
            "<!--.*?-->|<(script|style)\\b[^>]*>.*?</\\1\\s*>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("</?([a-zA-Z][a-zA-Z0-9]*)[^>]*>|<[!?][^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});?");
    private static final Set<String> BLOCK = Set.of("p", "br", "div", "td", "th", "tr", "table", "li", "ul", "ol",
            "h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote", "pre", "center", "body", "html", "form", "dd",
            "dt", "dl", "option", "address", "img", "input", "select", "textarea", "tbody", "thead", "frame");
    /** HTML 4 names of U+00A0..U+00FF in code point order. */
    private static final String LATIN1_NAMES = "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not "
            + "shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 "
            + "iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc "
            + "Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig "
            + "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth "
            + "ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";
    private static final Map<String, Integer> NAMED = new HashMap<>();

    static {
        String[] names = LATIN1_NAMES.split(" ");
        for (int i = 0; i < names.length; i++) {
            NAMED.put(names[i], 0xA0 + i);
        }
        Object[] more = {"amp", '&', "lt", '<', "gt", '>', "quot", '"', "apos", '\'', "ndash", '\u2013',
            "mdash", '\u2014', "lsquo", '\u2018', "rsquo", '\u2019', "ldquo", '\u201C', "rdquo", '\u201D', "bull",
            '\u2022', "hellip", '\u2026', "trade", '\u2122', "euro", '\u20AC', "dagger", '\u2020', "permil", '\u2030',
            "ensp", ' ', "emsp", ' ', "thinsp", ' ', "zwnj", '\u200C', "zwj", '\u200D'};
        for (int i = 0; i < more.length; i += 2) {
            NAMED.put((String) more[i], (int) (Character) more[i + 1]);
        }
    }

    private HtmlText() {
    }

    /** The text of {@code html}. */
    public static String toText(String html) {
        String visible = HIDDEN.matcher(html).replaceAll(" ");
        Matcher tags = TAG.matcher(visible);
        StringBuilder out = new StringBuilder(visible.length());
        while (tags.find()) {
            String name = tags.group(1);
            boolean block = name != null && BLOCK.contains(name.toLowerCase(Locale.ROOT));
            tags.appendReplacement(out, block ? " " : "");
        }
        tags.appendTail(out);
        return decodeEntities(out.toString());
    }

    /** Decodes numeric and the common named character references; unknown names stay as written. */
    public static String decodeEntities(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = ENTITY.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            String ref = m.group(1);
            int cp = -1;
            if (ref.charAt(0) == '#') {
                boolean hex = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X');
                cp = Integer.parseInt(ref.substring(hex ? 2 : 1), hex ? 16 : 10);
                if (!Character.isValidCodePoint(cp) || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    cp = 0xFFFD;
                }
            } else {
                cp = NAMED.getOrDefault(ref, NAMED.getOrDefault(ref.toLowerCase(Locale.ROOT), -1));
            }
            String replacement = cp < 0 ? m.group() : new String(Character.toChars(cp));
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
