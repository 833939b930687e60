using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Hosting;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Tenants;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Limits;
using ControlPlane.Placement.Performance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.TestingHost;

namespace ControlPlane.Grains.Tests;

/// <summary>A real two-silo Orleans cluster in this process, with leases short enough to expire during a test.</summary>
public sealed class FleetClusterFixture : IAsyncLifetime
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(1); // short enough to expire in a test, long enough for a loaded 2-core machine

    /// <summary>How long a placement holds its slot without Complete: short, so a dead gateway's slots free during a test.</summary>
    public static readonly TimeSpan PlacementLease = TimeSpan.FromSeconds(1);

    private int _prefixes;

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>An id prefix no other test of this cluster gets (<c>t1</c>, <c>t2</c> ...), for everything a test names.</summary>
    public string NewPrefix() => $"t{Interlocked.Increment(ref _prefixes)}";

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>The primary silo's services: its silo-local singletons (routers, caches, factories).</summary>
    public IServiceProvider PrimarySilo => ((InProcessSiloHandle)Cluster.Primary!).SiloHost.Services;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMemoryGrainStorage(FleetStorage.Name);
            siloBuilder.ConfigureServices(services =>
            {
                services.TryAddSingleton(TimeProvider.System);
                services.TryAddSingleton(HardwareCatalogue.Default);
                services.TryAddSingleton(PerformanceModel.Default);
                services.TryAddSingleton<FleetIndexReader>();
                services.AddPlacementPath();
                services.Configure<PlacementOptions>(o =>
                {
                    o.PlacementLease = PlacementLease;
                    o.RouteRefreshInterval = TimeSpan.FromMilliseconds(100);
                    o.MaxQueueWait = TimeSpan.FromSeconds(5);
                });
                services.Configure<DeploymentOptions>(o => o.ReconcileInterval = TimeSpan.FromMilliseconds(200));
                services.Configure<LimitOptions>(o => o.Plans["tiny"] = new PlanLimits { WaferTokensPerMinute = 6_000, GpuTokensPerMinute = 6_000 });
                services.Configure<FleetOptions>(o =>
                {
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
                    o.LeaseDuration = Lease;
                    o.LeaseCheckInterval = TimeSpan.FromMilliseconds(50);
                    o.IndexPublishInterval = TimeSpan.FromMilliseconds(20);
                    o.IndexShards = 4;
                    o.AgentCommandTimeout = TimeSpan.FromMilliseconds(200);
                });
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FleetClusterCollection : ICollectionFixture<FleetClusterFixture>
{
    public const string Name = "fleet cluster";
}
