using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Fleets;

namespace ControlPlane.Simulator.Policies;

/// <summary>A policy ready to run: its router, the fleet it runs on, and what its router sees of each deployment.</summary>
internal sealed record PolicySetup(IRoutingPolicy Policy, SimFleet Fleet, Func<DeploymentSpec, DeploymentSpec>? RoutingSpec);

/// <summary>The policies the simulator compares, by name.</summary>
internal static class PolicyCatalog
{
    /// <summary>Every policy, in report order.</summary>
    public static readonly IReadOnlyList<string> Names = ["project", "round-robin", "least-loaded", "random", "gpu-only", "wafer-first"];

    /// <summary>What each policy is, for --help and reports.</summary>
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["project"] = "the control plane's engine: filters, SLO/load/affinity/pool/opportunity scores, spillover within the SLO",
        ["round-robin"] = "next replica with a free slot, in turn",
        ["least-loaded"] = "the replica with the smallest share of its slots busy",
        ["random"] = "any replica with a free slot",
        ["gpu-only"] = "the project's engine with no wafer pool: every deployment on GPUs",
        ["wafer-first"] = "the project's engine sending everything a deployment may run on wafers to wafers, never spilling to GPUs",
    };

    /// <summary>
    /// Sets up <paramref name="name"/> on <paramref name="fleet"/> (built from <paramref name="file"/>, and immutable, so
    /// every policy shares it; gpu-only builds its own variant); <paramref name="seed"/> drives its randomness.
    /// </summary>
    public static PolicySetup Create(string name, FleetFile file, SimFleet fleet, HardwareCatalogue catalogue, PerformanceModel model, int seed) =>
        name switch
        {
            "project" => new(Project(name, seed), fleet, null),
            "round-robin" => new(new RoundRobinPolicy(), fleet, null),
            "least-loaded" => new(new LeastLoadedPolicy(), fleet, null),
            "random" => new(new RandomPolicy(new Random(seed)), fleet, null),
            "gpu-only" => new(Project(name, seed), SimFleet.Build(file, catalogue, model, Only(HardwareClass.Gpu)), null),
            "wafer-first" => new(Project(name, seed), fleet, Only(HardwareClass.WaferScale)),
            _ => throw new ArgumentException($"unknown policy '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
        };

    private static ProjectPolicy Project(string name, int seed) =>
        new(name, new PlacementEngine(PlacementPipeline.Default(), new PlacementEngineOptions(), new Random(seed)));

    // Narrows a deployment to one class when it may use it; a deployment that may not keeps what it has.
    private static Func<DeploymentSpec, DeploymentSpec> Only(HardwareClass hardwareClass) =>
        spec => spec.AllowedClasses.Contains(hardwareClass) ? spec with { AllowedClasses = [hardwareClass] } : spec;
}
