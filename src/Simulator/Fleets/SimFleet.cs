using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Simulator.Fleets;

/// <summary>One simulated accelerator.</summary>
internal sealed record SimAccelerator(string Id, string Pool, HardwareSku Sku, string Zone, string Rack);

/// <summary>One replica placed by the real <see cref="ReplicaPlanner"/>.</summary>
internal sealed record SimReplicaSpec(string ReplicaId, string Deployment, ReplicaAssignment Assignment, ReplicaPerformance Performance);

/// <summary>A validated fleet: accelerators, deployments and their replicas, and the routing rule.</summary>
internal sealed class SimFleet
{
    private SimFleet(IReadOnlyList<SimAccelerator> accelerators, IReadOnlyList<DeploymentSpec> deployments, IReadOnlyList<SimReplicaSpec> replicas,
        string interactive, string longHorizon, IReadOnlyList<string> problems, PerformanceModel model)
    {
        Model = model;
        Accelerators = accelerators;
        Deployments = deployments;
        Replicas = replicas;
        InteractiveDeployment = interactive;
        LongHorizonDeployment = longHorizon;
        PlacementProblems = problems;
    }

    /// <summary>Every accelerator.</summary>
    public IReadOnlyList<SimAccelerator> Accelerators { get; }

    /// <summary>Every deployment.</summary>
    public IReadOnlyList<DeploymentSpec> Deployments { get; }

    /// <summary>Every replica placed.</summary>
    public IReadOnlyList<SimReplicaSpec> Replicas { get; }

    /// <summary>Deployment of interactive requests.</summary>
    public string InteractiveDeployment { get; }

    /// <summary>Deployment of long-horizon requests.</summary>
    public string LongHorizonDeployment { get; }

    /// <summary>Replicas that did not fit, and why.</summary>
    public IReadOnlyList<string> PlacementProblems { get; }

    /// <summary>The performance model replicas were sized with (and scaled-out replicas are).</summary>
    public PerformanceModel Model { get; }

    /// <summary>Devices one accelerator offers to replicas: a wafer is one, a GPU node its GPUs.</summary>
    public static int DevicesOf(SimAccelerator accelerator) => accelerator.Sku.Class == HardwareClass.WaferScale ? 1 : accelerator.Sku.MaxDevicesPerSystem;

    /// <summary>A fleet assembled by hand (tests and micro-models): no validation, no planning.</summary>
    public static SimFleet Of(IReadOnlyList<SimAccelerator> accelerators, IReadOnlyList<DeploymentSpec> deployments, IReadOnlyList<SimReplicaSpec> replicas, string interactive, string longHorizon) =>
        new(accelerators, deployments, replicas, interactive, longHorizon, [], PerformanceModel.Default);

    /// <summary>
    /// Validates <paramref name="file"/> (every problem is listed, each with its place in the file) and places
    /// the deployments' replicas with the planner the control plane uses. <paramref name="allow"/> may narrow
    /// the hardware classes a deployment may use (a GPU-only comparison).
    /// </summary>
    public static SimFleet Build(FleetFile file, HardwareCatalogue catalogue, PerformanceModel model, Func<DeploymentSpec, DeploymentSpec>? allow = null)
    {
        var problems = new List<string>();
        var accelerators = new List<SimAccelerator>();
        var poolNames = new HashSet<string>(StringComparer.Ordinal);
        if (file.Pools.Count == 0)
        {
            problems.Add("pools: at least one pool is needed");
        }

        for (var p = 0; p < file.Pools.Count; p++)
        {
            var pool = file.Pools[p];
            var at = $"pools[{p}]";
            Check(problems, Placement.Deployments.DeploymentSpec.IsValidName(pool.Name), $"{at}.name", $"must be 1..63 lowercase letters, digits, '-' or '.' (got '{pool.Name}')");
            Check(problems, poolNames.Add(pool.Name), $"{at}.name", $"'{pool.Name}' is used by another pool");
            var known = catalogue.TryGet(pool.Sku, out var sku);
            Check(problems, known, $"{at}.sku", $"'{pool.Sku}' is not a known SKU; known: {string.Join(", ", catalogue.Names)}");
            Check(problems, pool.Count is >= 1 and <= 100_000, $"{at}.count", $"must be 1..100000 (got {pool.Count})");
            Check(problems, pool.Zones.Count is >= 1 and <= 64 && pool.Zones.All(z => z.Length is > 0 and <= 64), $"{at}.zones", "must list 1..64 zone names of 1..64 characters");
            Check(problems, pool.RacksPerZone is >= 1 and <= 1_000, $"{at}.racks_per_zone", $"must be 1..1000 (got {pool.RacksPerZone})");
            if (!known || pool.Count is < 1 or > 100_000 || pool.Zones.Count == 0 || pool.RacksPerZone < 1)
            {
                continue;
            }

            for (var i = 0; i < pool.Count; i++)
            {
                // Wafers come in pairs per zone, so a model larger than one wafer finds two in one zone.
                var zone = pool.Zones[(sku.Class == HardwareClass.WaferScale ? i / 2 : i) % pool.Zones.Count];
                accelerators.Add(new SimAccelerator($"{pool.Name}-{i:D3}", pool.Name, sku, zone, $"{zone}/rack-{i / pool.Zones.Count % pool.RacksPerZone}"));
            }
        }

        var deployments = new List<DeploymentSpec>();
        for (var d = 0; d < file.Deployments.Count; d++)
        {
            if (ToSpec(file.Deployments[d], $"deployments[{d}]", problems) is { } spec)
            {
                Check(problems, deployments.All(x => x.Name != spec.Name), $"deployments[{d}].name", $"'{spec.Name}' is declared twice");
                deployments.Add(allow is null ? spec : allow(spec));
            }
        }

        Check(problems, file.Deployments.Count > 0, "deployments", "at least one deployment is needed");
        Check(problems, file.Deployments.Any(x => x.Name == file.Routing.Interactive), "routing.interactive",
            $"must name a deployment of the file (got '{file.Routing.Interactive}')");
        Check(problems, file.Deployments.Any(x => x.Name == file.Routing.LongHorizon), "routing.long_horizon",
            $"must name a deployment of the file (got '{file.Routing.LongHorizon}')");
        if (problems.Count > 0)
        {
            throw new FleetFileException("the fleet file has problems:\n  " + string.Join("\n  ", problems));
        }

        var (replicas, unplaced) = Place(accelerators, deployments, file, model);
        return new SimFleet(accelerators, deployments, replicas, file.Routing.Interactive, file.Routing.LongHorizon, unplaced, model);
    }

    private static (List<SimReplicaSpec>, List<string>) Place(List<SimAccelerator> accelerators, List<DeploymentSpec> deployments, FleetFile file, PerformanceModel model)
    {
        var free = accelerators.ToDictionary(a => a.Id, DevicesOf, StringComparer.Ordinal);
        var planner = new ReplicaPlanner(model);
        var replicas = new List<SimReplicaSpec>();
        var problems = new List<string>();
        foreach (var spec in deployments)
        {
            var wanted = file.Deployments.First(d => d.Name == spec.Name).Replicas;
            var capacity = accelerators.Select(a => new AcceleratorCapacity(a.Id, a.Sku, a.Zone, a.Rack, DevicesOf(a), free[a.Id], true)).ToArray();
            var plan = planner.Plan(spec, wanted, capacity, []);
            var n = 0;
            foreach (var assignment in plan.Assignments)
            {
                foreach (var id in assignment.AcceleratorIds)
                {
                    free[id] -= assignment.DevicesPerAccelerator;
                }

                var performance = model.Predict(spec.Shape, assignment);
                replicas.Add(new SimReplicaSpec($"{spec.Name}-{n++}", spec.Name, assignment, performance));
            }

            if (plan.Unplaced > 0)
            {
                problems.Add($"{spec.Name}: {plan.Unplaced} of {wanted} replica(s) do not fit: {string.Join("; ", plan.Reasons)}");
            }
        }

        return (replicas, problems);
    }

    private static DeploymentSpec? ToSpec(DeploymentEntry entry, string at, List<string> problems)
    {
        var precision = entry.Precision switch { "bf16" => ModelPrecision.Bf16, "fp8" => ModelPrecision.Fp8, "int4" => ModelPrecision.Int4, _ => (ModelPrecision)0 };
        Check(problems, precision != 0, $"{at}.precision", $"must be bf16, fp8 or int4 (got '{entry.Precision}')");
        var classes = entry.AllowedClasses.Select(c => c switch { "wafer-scale" => HardwareClass.WaferScale, "gpu" => HardwareClass.Gpu, _ => (HardwareClass)0 }).ToArray();
        Check(problems, classes.Length > 0 && classes.All(c => c != 0), $"{at}.allowed_classes",
            $"must list wafer-scale and/or gpu (got [{string.Join(", ", entry.AllowedClasses)}])");
        Check(problems, entry.Replicas is >= 0 and <= DeploymentSpec.ReplicaLimit, $"{at}.replicas", $"must be 0..{DeploymentSpec.ReplicaLimit} (got {entry.Replicas})");
        Check(problems, entry.Parameters is >= 1e6 and <= 1e13, $"{at}.parameters", $"must be 1e6..1e13 (got {entry.Parameters})");
        if (precision == 0 || classes.Any(c => c == 0) || entry.Parameters is < 1e6 or > 1e13)
        {
            return null;
        }

        var spec = new DeploymentSpec(entry.Name, entry.Name, new ModelShape((long)entry.Parameters, entry.Layers, precision, entry.KvBytesPerToken),
            entry.ContextWindowTokens, classes, 0, entry.Replicas,
            new ServiceLevelObjective(TimeSpan.FromSeconds(entry.Slo.TtftSeconds), entry.Slo.MinTokensPerSecond, TimeSpan.FromMinutes(entry.Slo.LongHorizonCompletionMinutes)),
            [], LatencyClass.Interactive, entry.MaxReplicas);
        foreach (var (field, message) in spec.Validate())
        {
            var name = field switch
            {
                "slo.time_to_first_token" => "slo.ttft_seconds",
                "slo.long_horizon_completion" => "slo.long_horizon_completion_minutes",
                "desired_replicas" => "replicas",
                _ => field,
            };
            problems.Add($"{at}.{name}: {message.Replace("desired_replicas", "replicas", StringComparison.Ordinal)}");
        }

        return spec;
    }

    private static void Check(List<string> problems, bool ok, string field, string message)
    {
        if (!ok)
        {
            problems.Add($"{field}: {message}");
        }
    }
}
