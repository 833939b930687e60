using ControlPlane.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>Deployments the API tests declare.</summary>
public static class Models
{
    /// <summary>A fast 32B coding model: two wafers per replica (11 slots each), GPU spillover allowed, pro and tiny plans only.</summary>
    public static Deployment FastCoder(string name, int replicas = 2) => new()
    {
        Name = name,
        Model = "fast-coder-32b",
        Parameters = 32_000_000_000,
        Layers = 64,
        Precision = Precision.Bf16,
        KvBytesPerToken = 262_144,
        ContextWindowTokens = 8_192, // 2.1 GB of KV per stream: 11 streams beside the weights on two wafers
        AllowedClasses = { HardwareClass.WaferScale, HardwareClass.Gpu },
        MinReplicas = Math.Min(1, replicas),
        DesiredReplicas = replicas,
        Slo = new ServiceLevelObjective
        {
            TimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            MinTokensPerSecond = 50,
            LongHorizonCompletion = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)),
        },
        EntitledPlans = { "pro", "tiny" },
        DefaultLatencyClass = LatencyClass.Interactive,
    };

    /// <summary>A large 8-bit coding model served on GPU nodes, for long-horizon work.</summary>
    public static Deployment LargeCoder(string name, int replicas = 1) => new()
    {
        Name = name,
        Model = "large-coder-400b",
        Parameters = 400_000_000_000,
        Layers = 96,
        Precision = Precision.Fp8,
        KvBytesPerToken = 196_608,
        ContextWindowTokens = 131_072,
        AllowedClasses = { HardwareClass.Gpu },
        MinReplicas = 0,
        DesiredReplicas = replicas,
        Slo = new ServiceLevelObjective
        {
            TimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            MinTokensPerSecond = 60, // a whole 8×H200 node per replica (~67 tok/s); four GPUs would hold it at ~34
            LongHorizonCompletion = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)),
        },
        DefaultLatencyClass = LatencyClass.LongHorizon,
    };

    /// <summary>A small 8B model on one GPU of a node, one replica, for tests about a single replica's life.</summary>
    public static Deployment SmallGpuModel(string name) => new()
    {
        Name = name,
        Model = "small-8b",
        Parameters = 8_000_000_000,
        Layers = 32,
        Precision = Precision.Bf16,
        KvBytesPerToken = 131_072,
        ContextWindowTokens = 8_192,
        AllowedClasses = { HardwareClass.Gpu },
        MinReplicas = 0,
        DesiredReplicas = 1,
        Slo = new ServiceLevelObjective
        {
            TimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
            MinTokensPerSecond = 20,
            LongHorizonCompletion = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)),
        },
        DefaultLatencyClass = LatencyClass.Interactive,
    };

    public static PlaceRequest Turn(string deployment, string session, string tenant = "tenant-a", string plan = "pro") => new()
    {
        Deployment = deployment,
        SessionId = session,
        TenantId = tenant,
        Plan = plan,
        ReasoningEffort = ReasoningEffort.Low,
        PromptTokens = 2_000,
    };

    /// <summary>The request changed by <paramref name="change"/> (protobuf messages are not records).</summary>
    public static T With<T>(this T request, Action<T> change)
        where T : Google.Protobuf.IMessage<T>
    {
        var copy = request.Clone();
        change(copy);
        return copy;
    }
}
