package org.tegami.sieve;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.JulianFields;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** RFC 5260 §4.2 date parts, and a lenient RFC 5322 §3.3 date-time parser (obsolete zones included). */
final class DateParts {
    static final Set<String> NAMES = Set.of("year", "month", "day", "date", "julian", "hour", "minute", "second", "time",
            "iso8601", "std11", "zone", "weekday");
    private static final String[] MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    // RFC 5322 §4.3 obsolete zone names
    private static final Map<String, Integer> ZONES = Map.of("ut", 0, "gmt", 0, "z", 0, "edt", -4 * 60, "est", -5 * 60,
            "cdt", -5 * 60, "cst", -6 * 60, "mdt", -6 * 60, "mst", -7 * 60, "pdt", -7 * 60);

    private DateParts() {}

    /** A {@code :zone} argument (RFC 5260 §3.2: {@code +hhmm} / {@code -hhmm}), or null when malformed. */
    static ZoneOffset zone(String z) {
        if (z.length() != 5 || (z.charAt(0) != '+' && z.charAt(0) != '-')) return null;
        for (int i = 1; i < 5; i++) if (!Character.isDigit(z.charAt(i)) || z.charAt(i) > '9') return null;
        int h = Integer.parseInt(z.substring(1, 3)), m = Integer.parseInt(z.substring(3, 5));
        if (h > 18 || m > 59 || h * 60 + m > 18 * 60) return null;
        int total = (h * 60 + m) * 60;
        return ZoneOffset.ofTotalSeconds(z.charAt(0) == '-' ? -total : total);
    }

    static String part(ZonedDateTime t, String part) {
        return switch (part.toLowerCase(Locale.ROOT)) {
            case "year" -> String.format(Locale.ROOT, "%04d", t.getYear());
            case "month" -> String.format(Locale.ROOT, "%02d", t.getMonthValue());
            case "day" -> String.format(Locale.ROOT, "%02d", t.getDayOfMonth());
            case "date" -> String.format(Locale.ROOT, "%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
            // RFC 5260 §4.2: days since 1858-11-17, the Modified Julian Day
            case "julian" -> Long.toString(t.toLocalDate().getLong(JulianFields.MODIFIED_JULIAN_DAY));
            case "hour" -> String.format(Locale.ROOT, "%02d", t.getHour());
            case "minute" -> String.format(Locale.ROOT, "%02d", t.getMinute());
            case "second" -> String.format(Locale.ROOT, "%02d", t.getSecond());
            case "time" -> String.format(Locale.ROOT, "%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
            case "iso8601" -> String.format(Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d%s", t.getYear(), t.getMonthValue(),
                    t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), isoZone(t.getOffset()));
            case "std11" -> String.format(Locale.ROOT, "%s, %d %s %04d %02d:%02d:%02d %s", DAYS[t.getDayOfWeek().getValue() - 1],
                    t.getDayOfMonth(), capital(MONTHS[t.getMonthValue() - 1]), t.getYear(), t.getHour(), t.getMinute(),
                    t.getSecond(), zoneString(t.getOffset()));
            case "zone" -> zoneString(t.getOffset());
            case "weekday" -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            default -> throw new SieveRuntimeException("unknown date part \"" + part + "\"");
        };
    }

    private static String capital(String m) {
        return Character.toUpperCase(m.charAt(0)) + m.substring(1);
    }

    static String zoneString(ZoneOffset o) {
        int s = o.getTotalSeconds();
        int a = Math.abs(s) / 60;
        return String.format(Locale.ROOT, "%c%02d%02d", s < 0 ? '-' : '+', a / 60, a % 60);
    }

    private static String isoZone(ZoneOffset o) {
        String z = zoneString(o);
        return z.substring(0, 3) + ":" + z.substring(3);
    }

    /** Parses an RFC 5322 date-time, or null. Comments are dropped; a missing seconds field is 0. */
    static ZonedDateTime parse(String value) {
        // RFC 5322 §3.6.7: in Received the date-time follows the last semicolon
        int semi = value.lastIndexOf(';');
        if (value.length() > 1000) return null;
        String v = (semi >= 0 ? value.substring(semi + 1) : value).replaceAll("\\([^()]*\\)", " ").replace(',', ' ').strip();
        if (v.length() > 200) return null;
        String[] f = v.split("[ \t\r\n]+");
        int i = 0;
        if (f.length > 0 && f[0].length() >= 3 && Character.isLetter(f[0].charAt(0))) i++;
        if (f.length - i < 4) return null;
        try {
            int day = Integer.parseInt(f[i]);
            int month = -1;
            String mon = f[i + 1].toLowerCase(Locale.ROOT);
            for (int k = 0; k < 12; k++) if (mon.startsWith(MONTHS[k])) month = k + 1;
            if (month < 0 || f[i + 2].length() > 4) return null;
            int year = Integer.parseInt(f[i + 2]);
            // RFC 5322 §4.3: two-digit years
            if (f[i + 2].length() == 2) year += year < 50 ? 2000 : 1900;
            else if (f[i + 2].length() == 3) year += 1900;
            String[] hms = f[i + 3].split(":");
            if (hms.length < 2 || hms.length > 3) return null;
            int h = Integer.parseInt(hms[0]), m = Integer.parseInt(hms[1]), s = hms.length == 3 ? Integer.parseInt(hms[2]) : 0;
            ZoneOffset zone = ZoneOffset.UTC;
            if (f.length > i + 4) {
                String z = f[i + 4];
                ZoneOffset parsed = zone(z);
                if (parsed != null) {
                    zone = parsed;
                } else {
                    Integer minutes = ZONES.get(z.toLowerCase(Locale.ROOT));
                    // RFC 5322 §4.3: military and unknown zones are treated as -0000
                    zone = ZoneOffset.ofTotalSeconds(minutes == null ? 0 : minutes * 60);
                }
            }
            if (s == 60) s = 59;
            return ZonedDateTime.of(LocalDate.of(year, month, day).atTime(h, m, s), zone);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
