using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Audit;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Gpus;
using ControlPlane.Grains.Idempotency;
using ControlPlane.Grains.Nodes;
using ControlPlane.Grains.Replicas;
using ControlPlane.Grains.Sessions;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Grains.Tests.Storage;

/// <summary>One fully populated value of every grain state the silo stores, under the state name it is stored with.</summary>
internal static class StoredStates
{
    private static readonly DateTimeOffset At = new(2026, 12, 8, 10, 30, 15, 123, TimeSpan.Zero);

    public static AcceleratorRecord Accelerator()
    {
        var record = new AcceleratorRecord
        {
            Registration = Registrations.GpuNode("gpu-7", "node-7"),
            Lifecycle = new LifecyclePosition(AcceleratorState.Lost, AcceleratorState.Draining),
            StateReason = "lease expired (no heartbeat for 15.2s)",
            RegisteredAt = At,
            StateChangedAt = At.AddMinutes(5),
            Drain = new DrainRecord
            {
                Reason = "kernel upgrade", RequestedBy = "alice", StartedAt = At.AddMinutes(1), Deadline = At.AddMinutes(31), Force = false,
                Released = { "coder-1" }, Held = { ["coder-2"] = "deployment coder keeps at least 1 ready replica(s)" }, AgentRemainingStreams = 3, MovingWork = true,
            },
        };
        record.Hosted["coder-1"] = new HostedReplica("coder-1", "coder", 4, 32, true);
        record.Hosted["coder-2"] = new HostedReplica("coder-2", "coder", 4, 32, false, "gpu-6");
        record.Requests.Remember("req-1", "drain gpu-7", AcceleratorRefusal.None, "", At);
        return record;
    }

    public static DeploymentRecord Deployment()
    {
        var record = new DeploymentRecord
        {
            Definition = DeploymentDefinition.From(new DeploymentSpec("coder", "llama-3.1-70b", ModelShape.Llama31_70B(), 131_072,
                [HardwareClass.WaferScale, HardwareClass.Gpu], 1, 2,
                new ServiceLevelObjective(TimeSpan.FromSeconds(1), 100, TimeSpan.FromMinutes(30)), ["pro", "enterprise"], LatencyClass.Interactive, 4)),
            NextReplica = 3,
            CreatedAt = At,
            UpdatedAt = At.AddHours(1),
            Version = 17,
            PlacementProblems = ["1 of 1 missing replica(s) cannot be placed"],
        };
        record.Replicas.Add(new ReplicaRecord
        {
            ReplicaId = "coder-2", AcceleratorIds = ["w1", "w2"], NodeIds = ["n1", "n1"], Sku = "cs3", HardwareClass = HardwareClass.WaferScale,
            DevicesPerAccelerator = 1, Slots = 24, Zone = "us-east/use1-az1", Pool = "wafer-scale/us-east/use1-az1", State = ReplicaState.Retiring,
            Message = "scaled down", Endpoint = "http://10.0.0.7:8000", LoadedOn = ["w1", "w2"], CreatedAt = At, Racks = ["r1", "r2"],
            RetiringSince = At.AddMinutes(9), LoadingSince = null, LoadProblem = "",
        });
        record.Requests.Remember("create-1", "create coder", DeploymentRefusal.None, "", At);
        return record;
    }

    public static SessionRecord Session() => new()
    {
        TenantId = "acme", Plan = "pro", Deployment = "coder", StickyReplicaId = "coder-2",
        History = [new PlacementHistoryEntry("pl-1", "coder", "coder-2", "w1", HardwareClass.WaferScale, LatencyClass.Interactive, At, "first placement")],
        WaferTokens = 12_345, GpuTokens = 678, Placements = 9, CreatedAt = At,
    };

    public static AuditDayRecord AuditDay() => new()
    {
        Entries =
        [
            new AuditEntry("2026-12-08/000001", At, "alice", "operator", "drain", ["gpu-7"], "kernel upgrade",
                new Dictionary<string, string> { ["deadline"] = "1800s" }, "req-1", "OK", ""),
        ],
        LastSequence = 1,
    };

    public static AuditSegmentRecord AuditSegment() => new() { Entries = [.. AuditDay().Entries] };

    public static NodeRecord Node() => new() { AcceleratorIds = ["gpu-6", "gpu-7"], AgentVersion = "1.4.2", LastRegisteredAt = At };

    public static GpuClaim GpuClaim() => new() { AcceleratorId = "gpu-7" };

    public static SortedSet<string> DeploymentDirectory() => new(StringComparer.Ordinal) { "coder", "deep-reasoner" };
}
