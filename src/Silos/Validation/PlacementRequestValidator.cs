using System.Text.RegularExpressions;
using ControlPlane.Grains.Tenants;
using Microsoft.Extensions.Options;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Validation;

/// <summary>Checks placement API requests field by field (every bad field named at once).</summary>
public sealed partial class PlacementRequestValidator(IOptions<LimitOptions> options)
{
    /// <summary>Largest token count a hint or a completion may carry.</summary>
    public const int MaxTokens = 10_000_000;

    /// <summary>Highest queue priority.</summary>
    public const int MaxPriority = 9;

    private const string KeyRule = "must be 1..128 characters of letters, digits, '-', '_', '.' or ':'";

    /// <summary>Violations of <paramref name="request"/>, with field names under <paramref name="prefix"/>.</summary>
    public void Check(V1.PlaceRequest request, FieldViolations violations, string prefix = "")
    {
        Key(request.SessionId, prefix + "session_id", violations);
        Key(request.TenantId, prefix + "tenant_id", violations);
        if (string.IsNullOrEmpty(request.Plan))
        {
            violations.Add(prefix + "plan", $"is required; one of {PlanNames()}");
        }
        else if (!options.Value.Plans.ContainsKey(request.Plan))
        {
            violations.Add(prefix + "plan", $"must be one of {PlanNames()} (got '{ResourceIds.Shorten(request.Plan)}')");
        }

        ResourceIds.Check(violations, request.Deployment, prefix + "deployment");
        violations.Check(Enum.IsDefined(request.ReasoningEffort), prefix + "reasoning_effort",
            $"must be LOW, MEDIUM, HIGH, XHIGH or unset (got {(int)request.ReasoningEffort})");
        violations.Check(Enum.IsDefined(request.LatencyClass), prefix + "latency_class",
            $"must be INTERACTIVE, LONG_HORIZON or unset (got {(int)request.LatencyClass})");
        Tokens(request.PromptTokens, prefix + "prompt_tokens", violations);
        Tokens(request.ExpectedOutputTokens, prefix + "expected_output_tokens", violations);
        violations.Check(request.Priority is >= 0 and <= MaxPriority, prefix + "priority", $"must be 0..{MaxPriority} (got {request.Priority})");
    }

    private string PlanNames() => string.Join(", ", options.Value.Plans.Keys.Order(StringComparer.Ordinal));

    /// <summary>Violations of <paramref name="request"/>.</summary>
    public void Check(V1.CompleteRequest request, FieldViolations violations, string prefix = "")
    {
        Key(request.SessionId, prefix + "session_id", violations);
        Key(request.TenantId, prefix + "tenant_id", violations);
        PlacementId(request.PlacementId, prefix + "placement_id", violations);
        Tokens(request.PromptTokens, prefix + "prompt_tokens", violations);
        Tokens(request.OutputTokens, prefix + "output_tokens", violations);
    }

    /// <summary>Violations of <paramref name="request"/>.</summary>
    public void Check(V1.RenewRequest request, FieldViolations violations, string prefix = "")
    {
        Key(request.SessionId, prefix + "session_id", violations);
        Key(request.TenantId, prefix + "tenant_id", violations);
        PlacementId(request.PlacementId, prefix + "placement_id", violations);
    }

    private static void Key(string value, string field, FieldViolations violations)
    {
        if (string.IsNullOrEmpty(value))
        {
            violations.Add(field, "is required");
            return;
        }

        violations.Check(value.Length <= 128 && KeyPattern().IsMatch(value), field, $"{KeyRule} (got '{ResourceIds.Shorten(value)}')");
    }

    private static void PlacementId(string value, string field, FieldViolations violations)
    {
        if (string.IsNullOrEmpty(value))
        {
            violations.Add(field, "is required");
            return;
        }

        violations.Check(PlacementIdPattern().IsMatch(value), field, $"must be a placement id returned by Place, 'pl-' and 32 hex digits (got '{ResourceIds.Shorten(value)}')");
    }

    private static void Tokens(int value, string field, FieldViolations violations) =>
        violations.Check(value is >= 0 and <= MaxTokens, field, $"must be 0..{MaxTokens:N0} (got {value})");

    [GeneratedRegex("^[A-Za-z0-9_.:-]+$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^pl-[0-9a-f]{32}$")]
    private static partial Regex PlacementIdPattern();
}
