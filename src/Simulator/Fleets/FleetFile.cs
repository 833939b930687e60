using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlPlane.Simulator.Fleets;

/// <summary>
/// A fleet to simulate, as operators write it (JSON, snake_case): pools of accelerators, the deployments
/// on them, and which deployment serves which latency class. See docs/evaluation.md for an example.
/// </summary>
internal sealed class FleetFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Groups of identical accelerators.</summary>
    public List<PoolSpec> Pools { get; set; } = [];

    /// <summary>Models served, placed in this order.</summary>
    public List<DeploymentEntry> Deployments { get; set; } = [];

    /// <summary>Which deployment serves interactive requests and which long-horizon ones.</summary>
    public RoutingRule Routing { get; set; } = new();

    /// <summary>Reads <paramref name="path"/>; throws <see cref="FleetFileException"/> naming the file, the place and what is wrong.</summary>
    public static FleetFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FleetFileException($"{path}: cannot read the fleet file ({ex.Message})");
        }

        return Parse(text, path);
    }

    /// <summary>Parses fleet JSON; <paramref name="source"/> names it in errors.</summary>
    public static FleetFile Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<FleetFile>(json, Json) ?? throw new FleetFileException($"{source}: the fleet file is empty");
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 0 } p ? $" at {p}" : "";
            var line = ex.LineNumber is { } n ? $" (line {n + 1})" : "";
            throw new FleetFileException($"{source}{line}: not a valid fleet file{where}: {ex.Message.Split(" Path:")[0]}");
        }
    }
}

/// <summary>A group of identical accelerators spread over zones and racks.</summary>
internal sealed class PoolSpec
{
    /// <summary>Pool name; accelerator ids are <c>{name}-{index:000}</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>A SKU of the hardware catalogue: cs3, h100-sxm, h200, b200.</summary>
    public string Sku { get; set; } = "";

    /// <summary>How many accelerators (wafer systems or GPU nodes).</summary>
    public int Count { get; set; }

    /// <summary>Zones the accelerators alternate over (failure domains). Default: one zone.</summary>
    public List<string> Zones { get; set; } = ["zone-a"];

    /// <summary>Racks per zone. Default 4.</summary>
    public int RacksPerZone { get; set; } = 4;
}

/// <summary>A deployment of the fleet file.</summary>
internal sealed class DeploymentEntry
{
    /// <summary>Deployment name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Active parameters per token.</summary>
    public double Parameters { get; set; }

    /// <summary>Transformer layers.</summary>
    public int Layers { get; set; }

    /// <summary>bf16, fp8 or int4.</summary>
    public string Precision { get; set; } = "bf16";

    /// <summary>KV-cache bytes per token of context.</summary>
    public long KvBytesPerToken { get; set; }

    /// <summary>Context window in tokens.</summary>
    public int ContextWindowTokens { get; set; } = 32_768;

    /// <summary>wafer-scale and/or gpu, in order of preference.</summary>
    public List<string> AllowedClasses { get; set; } = [];

    /// <summary>Replicas to place.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// Most replicas to run while the deployment is busy, as the control plane scales on load (<c>ReplicaTarget</c>);
    /// 0 (the default) or <see cref="Replicas"/> means it never scales.
    /// </summary>
    public int MaxReplicas { get; set; }

    /// <summary>The latency promises requests are judged by.</summary>
    public SloEntry Slo { get; set; } = new();
}

/// <summary>A deployment's SLO in the fleet file.</summary>
internal sealed class SloEntry
{
    /// <summary>Time to first token an interactive request may take.</summary>
    public double TtftSeconds { get; set; } = 1;

    /// <summary>Decode speed each stream must get (time per output token at most its inverse).</summary>
    public double MinTokensPerSecond { get; set; } = 20;

    /// <summary>End to end time a long-horizon request may take.</summary>
    public double LongHorizonCompletionMinutes { get; set; } = 30;
}

/// <summary>Which deployment each latency class targets.</summary>
internal sealed class RoutingRule
{
    /// <summary>Deployment of interactive requests (trace requests whose output is short).</summary>
    public string Interactive { get; set; } = "";

    /// <summary>Deployment of long-horizon requests (agentic jobs, and trace requests above 8,000 output tokens).</summary>
    public string LongHorizon { get; set; } = "";
}

/// <summary>A fleet file that cannot be used, with a message naming where and why.</summary>
internal sealed class FleetFileException(string message) : Exception(message);
