using System.Text.RegularExpressions;

namespace ControlPlane.Silos.Validation;

/// <summary>The form of node, accelerator and location ids: DNS-label-like, so they are safe in URLs, logs and metrics labels.</summary>
public static partial class ResourceIds
{
    /// <summary>Longest id accepted.</summary>
    public const int MaxLength = 63;

    /// <summary>The rule, in words, for error messages.</summary>
    public const string Rule = "must be 1..63 characters of lowercase letters, digits, '-' or '.', starting and ending with a letter or digit";

    /// <summary>Whether <paramref name="id"/> is a well-formed id.</summary>
    public static bool IsValid(string? id) => id is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(id);

    /// <summary>Checks <paramref name="id"/> and records a violation naming <paramref name="field"/>.</summary>
    public static bool Check(FieldViolations violations, string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            violations.Add(field, "is required");
            return false;
        }

        return violations.Check(IsValid(id), field, $"{Rule} (got '{Shorten(id)}')");
    }

    /// <summary>Cuts a long user-supplied value before echoing it in a message.</summary>
    public static string Shorten(string value) => value.Length <= 80 ? value : $"{value[..80]}... ({value.Length} characters)";

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")]
    private static partial Regex Pattern();
}
