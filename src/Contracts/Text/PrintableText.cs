using System.Globalization;
using System.Text;

namespace ControlPlane.Contracts.Text;

/// <summary>
/// The rule for free text that people read later (reasons, messages, versions, names): no control
/// characters, no line or paragraph separators and no bidirectional-text controls. Such characters let
/// one field pose as several rows of an audit log or a table, or reorder what a reader sees (U+202E).
/// </summary>
public static class PrintableText
{
    /// <summary>The rule, in words, for error messages.</summary>
    public const string Rule = "must be printable text: no control characters (newline, tab, NUL, ESC...), line separators or bidirectional-text controls";

    /// <summary>The first character that breaks the rule, as <c>U+000A at position 7</c>; null when <paramref name="value"/> is printable.</summary>
    public static string? FirstViolation(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (IsForbidden(value[i]))
            {
                return string.Create(CultureInfo.InvariantCulture, $"U+{(int)value[i]:X4} at position {i}");
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="value"/> follows the rule.</summary>
    public static bool IsPrintable(string value) => FirstViolation(value) is null;

    /// <summary>
    /// <paramref name="value"/> with every forbidden character written as <c>\n</c>, <c>\t</c> or <c>\u202E</c>, for
    /// showing or recording text that was refused (or came from before the rule) without letting it act.
    /// </summary>
    public static string Escape(string value)
    {
        if (IsPrintable(value))
        {
            return value;
        }

        var text = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when IsForbidden(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => c.ToString(),
            });
        }

        return text.ToString();
    }

    private static bool IsForbidden(char c) =>
        char.IsControl(c) // C0, DEL and C1
        || c is '\u2028' or '\u2029' // line and paragraph separators
        || c is '\u061C' or '\u200E' or '\u200F' // arabic letter mark, left-to-right and right-to-left marks
        || c is >= '\u202A' and <= '\u202E' // embeddings and overrides
        || c is >= '\u2066' and <= '\u2069'; // isolates
}
