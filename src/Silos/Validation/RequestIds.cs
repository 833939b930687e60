namespace ControlPlane.Silos.Validation;

/// <summary>The rule for client-chosen request ids of mutating operator calls (DESIGN.md §6a).</summary>
public static class RequestIds
{
    /// <summary>Longest request id.</summary>
    public const int MaxLength = 64;

    /// <summary>Records a violation of <paramref name="field"/> unless <paramref name="requestId"/> is 1..64 letters, digits, '-', '_', '.' or ':'.</summary>
    public static void Check(FieldViolations violations, string? requestId, string field = "request_id")
    {
        if (string.IsNullOrEmpty(requestId))
        {
            violations.Add(field, $"is required: a client-chosen id (1..{MaxLength} characters) that makes a retry act once");
            return;
        }

        violations.Check(requestId.Length <= MaxLength && requestId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'), field,
            $"must be 1..{MaxLength} characters of letters, digits, '-', '_', '.' or ':' (got '{ResourceIds.Shorten(requestId)}')");
    }
}
