using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;

namespace ControlPlane.Placement.Deployments;

/// <summary>A model and how it must be served (DESIGN.md §3). Validate with <see cref="Validate"/>.</summary>
/// <param name="Name">Deployment id: lowercase letters, digits, '-' and '.', 1..63 characters.</param>
/// <param name="Model">The model's display name, e.g. <c>fast-coder-32b</c>.</param>
/// <param name="Shape">Parameters, layers, precision and KV size.</param>
/// <param name="ContextWindowTokens">Most tokens (prompt + output) one request may hold.</param>
/// <param name="AllowedClasses">Hardware classes replicas may run on, in order of preference.</param>
/// <param name="MinReplicas">Fewest ready replicas the deployment may drop to (its disruption budget).</param>
/// <param name="DesiredReplicas">Replicas to run.</param>
/// <param name="Slo">Latency promises.</param>
/// <param name="EntitledPlans">Plans whose tenants may use it; empty means every plan.</param>
/// <param name="DefaultLatencyClass">The latency class of a request that gives no hint.</param>
/// <param name="MaxReplicas">Most replicas to run while the deployment is busy; 0 (or the desired count) means it never scales on load.</param>
public sealed record DeploymentSpec(
    string Name,
    string Model,
    ModelShape Shape,
    int ContextWindowTokens,
    IReadOnlyList<HardwareClass> AllowedClasses,
    int MinReplicas,
    int DesiredReplicas,
    ServiceLevelObjective Slo,
    IReadOnlyList<string> EntitledPlans,
    LatencyClass DefaultLatencyClass,
    int MaxReplicas = 0)
{
    /// <summary>Longest deployment name.</summary>
    public const int MaxNameLength = 63;

    /// <summary>Largest context window accepted (10M tokens).</summary>
    public const int MaxContextWindowTokens = 10_000_000;

    /// <summary>Most replicas one deployment may ask for.</summary>
    public const int ReplicaLimit = 10_000;

    /// <summary>Whether tenants on <paramref name="plan"/> may use this deployment.</summary>
    public bool Entitles(string plan)
    {
        if (EntitledPlans.Count == 0)
        {
            return true;
        }

        foreach (var entitled in EntitledPlans)
        {
            if (string.Equals(entitled, plan, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether replicas may run on <paramref name="hardwareClass"/>.</summary>
    public bool Allows(HardwareClass hardwareClass) => AllowedClasses.Contains(hardwareClass);

    /// <summary>
    /// Every problem with the spec as (field, message) pairs, field names as the API spells them
    /// (snake_case); empty when the spec is valid.
    /// </summary>
    public IReadOnlyList<(string Field, string Message)> Validate()
    {
        var problems = new List<(string, string)>();
        if (!IsValidName(Name))
        {
            problems.Add(("name", $"must be 1..{MaxNameLength} lowercase letters, digits, '-' or '.', starting and ending with a letter or digit"));
        }

        if (string.IsNullOrWhiteSpace(Model) || Model.Length > 128)
        {
            problems.Add(("model", "must be 1..128 characters"));
        }

        if (Shape.Parameters is < 1_000_000 or > 100_000_000_000_000)
        {
            problems.Add(("parameters", "must be between 1,000,000 and 100,000,000,000,000"));
        }

        if (Shape.Layers is < 1 or > 1_000)
        {
            problems.Add(("layers", "must be between 1 and 1000"));
        }

        if (!Enum.IsDefined(Shape.Precision))
        {
            problems.Add(("precision", $"must be one of {string.Join(", ", ModelPrecisions.Names)}"));
        }

        if (Shape.KvBytesPerToken is < 1 or > 100_000_000)
        {
            problems.Add(("kv_bytes_per_token", "must be between 1 and 100,000,000"));
        }

        if (ContextWindowTokens is < 1 or > MaxContextWindowTokens)
        {
            problems.Add(("context_window_tokens", $"must be between 1 and {MaxContextWindowTokens:N0}"));
        }

        if (AllowedClasses.Count == 0 || AllowedClasses.Any(c => !Enum.IsDefined(c)) || AllowedClasses.Distinct().Count() != AllowedClasses.Count)
        {
            problems.Add(("allowed_classes", "must list one or both of WAFER_SCALE and GPU, each once"));
        }

        if (DesiredReplicas is < 0 or > ReplicaLimit)
        {
            problems.Add(("desired_replicas", $"must be between 0 and {ReplicaLimit}"));
        }

        if (MaxReplicas != 0 && (MaxReplicas < DesiredReplicas || MaxReplicas > ReplicaLimit))
        {
            problems.Add(("max_replicas", $"must be 0 (no scaling on load) or between desired_replicas and {ReplicaLimit}"));
        }

        if (MinReplicas < 0 || MinReplicas > DesiredReplicas)
        {
            problems.Add(("min_replicas", "must be between 0 and desired_replicas"));
        }

        if (Slo.TimeToFirstToken <= TimeSpan.Zero || Slo.TimeToFirstToken > TimeSpan.FromMinutes(10))
        {
            problems.Add(("slo.time_to_first_token", "must be more than 0 and at most 10 minutes"));
        }

        if (Slo.MinTokensPerSecond is < 0 or > 1_000_000 || double.IsNaN(Slo.MinTokensPerSecond))
        {
            problems.Add(("slo.min_tokens_per_second", "must be between 0 and 1,000,000"));
        }

        if (Slo.LongHorizonCompletion <= TimeSpan.Zero || Slo.LongHorizonCompletion > TimeSpan.FromDays(1))
        {
            problems.Add(("slo.long_horizon_completion", "must be more than 0 and at most 1 day"));
        }

        if (EntitledPlans.Count > 64 || EntitledPlans.Any(p => !IsValidName(p)))
        {
            problems.Add(("entitled_plans", "must be at most 64 plan names, each a valid id"));
        }

        if (!Enum.IsDefined(DefaultLatencyClass))
        {
            problems.Add(("default_latency_class", "must be INTERACTIVE or LONG_HORIZON"));
        }

        return problems;
    }

    /// <summary>Whether <paramref name="name"/> is a valid deployment or plan id.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
