using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Tenants;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Tests;

/// <summary>The silo-local services on the placement path: the per-deployment routers and the tenant budget cache.</summary>
[Collection(FleetClusterCollection.Name)]
public class PlacementRoutersTests(FleetClusterFixture cluster)
{
    private IServiceProvider Silo => cluster.PrimarySilo;

    [Fact]
    public async Task Placing_on_unknown_deployments_leaves_no_router_behind()
    {
        var routers = Silo.GetRequiredService<PlacementRouters>();
        var before = routers.Count;

        for (var i = 0; i < 50; i++)
        {
            var ask = new PlacementAsk($"s{i}", "tenant-a", "pro", $"no-such-deployment-{i}", ReasoningEffort.Low, 1_000, 0, null, null, 0);
            var result = await routers.PlaceAsync(ask, $"pl-{i}", dryRun: false);
            Assert.Equal(RejectionReason.UnknownDeployment, result.Reason);
            Assert.Contains($"no-such-deployment-{i}", result.Message);
        }

        Assert.Equal(before, routers.Count);
    }

    [Fact]
    public async Task A_completion_on_this_silo_frees_the_slot_in_its_routers_copy_at_once()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(1), 1);
        var replica = ready.Replicas.Single();
        var routers = Silo.GetRequiredService<PlacementRouters>();

        var placed = await routers.PlaceAsync(new PlacementAsk($"{fleet.Prefix}-s", "tenant-a", "pro", ready.Definition.Name, ReasoningEffort.Low, 1_000, 0, null, null, 0), $"pl-{fleet.Prefix}", dryRun: false);
        Assert.True(placed.Placed, placed.Message);
        Assert.Equal(1, routers.ActiveStreamsOf(ready.Definition.Name, replica.ReplicaId));

        // What SessionGrain.CompleteAsync does besides releasing the slot at the accelerator: the copy
        // counts the slot free now, not when the fleet index next reports the replica's load.
        await cluster.Grains.GetGrain<IAcceleratorGrain>(placed.AcceleratorId).ReleaseSlotAsync($"pl-{fleet.Prefix}");
        routers.Released(ready.Definition.Name, replica.ReplicaId);

        Assert.Equal(0, routers.ActiveStreamsOf(ready.Definition.Name, replica.ReplicaId));
        routers.Released(ready.Definition.Name, replica.ReplicaId); // a second release never goes below zero
        Assert.Equal(0, routers.ActiveStreamsOf(ready.Definition.Name, replica.ReplicaId));
        routers.Released("no-such-deployment", replica.ReplicaId); // unknown names are ignored
        Assert.Null(routers.ActiveStreamsOf("no-such-deployment", replica.ReplicaId));
    }

    [Fact]
    public async Task The_budget_cache_applies_this_silos_charges_and_asks_the_grain_again_once_a_pool_is_used_up()
    {
        var p = cluster.NewPrefix();
        // A cache of its own with a long TTL, so only the charge (not expiry) decides what it answers. The
        // tenant's grain is never charged here: whatever differs from the grain's answer came from the cache.
        var cache = new TenantBudgetCache(Options.Create(new LimitOptions { BudgetCacheTtl = TimeSpan.FromMinutes(5) }), TimeProvider.System);
        var grains = cluster.Grains;
        var fresh = await cache.GetAsync(grains, $"{p}-rb-tenant", "tiny"); // 6,000 tokens a minute per pool
        Assert.Equal(6_000, fresh.WaferTokensLeft, 0);

        cache.Charged($"{p}-rb-tenant", "tiny", HardwareClass.WaferScale, 1_000);
        cache.Charged($"{p}-rb-tenant", "tiny", HardwareClass.Gpu, 2_500);
        var charged = await cache.GetAsync(grains, $"{p}-rb-tenant", "tiny");
        Assert.Equal(fresh.WaferTokensLeft - 1_000, charged.WaferTokensLeft, 0);
        Assert.Equal(fresh.GpuTokensLeft - 2_500, charged.GpuTokensLeft, 0);
        Assert.Equal(0, charged.ExhaustedBits);

        // Using a pool up drops the cached status: the grain knows when it refills, the cache does not.
        cache.Charged($"{p}-rb-tenant", "tiny", HardwareClass.WaferScale, 10_000);
        var asked = await cache.GetAsync(grains, $"{p}-rb-tenant", "tiny");
        Assert.Equal(6_000, asked.WaferTokensLeft, 0); // the grain's own view: it was never charged

        // A charge for a tenant the cache has not seen creates nothing.
        cache.Charged($"{p}-rb-unseen", "tiny", HardwareClass.WaferScale, 1_000);
        Assert.Equal(6_000, (await cache.GetAsync(grains, $"{p}-rb-unseen", "tiny")).WaferTokensLeft, 0);
    }

    [Fact]
    public async Task Charges_are_summed_per_tenant_and_pool_and_reach_the_tenants_grain_within_the_flush_interval()
    {
        var p = cluster.NewPrefix();
        var buffer = Silo.GetRequiredService<TenantChargeBuffer>();
        var grain = cluster.Grains.GetGrain<ITenantBudgetGrain>($"{p}-cb-tenant");
        var before = await grain.GetStatusAsync("tiny");

        for (var i = 0; i < 10; i++)
        {
            buffer.Add($"{p}-cb-tenant", "tiny", HardwareClass.WaferScale, 100);
        }

        buffer.Add($"{p}-cb-tenant", "tiny", HardwareClass.Gpu, 700);

        // 1,000 wafer tokens and 700 GPU tokens arrive as sums; the buckets refill meanwhile (100 tokens/s), so
        // the grain's levels drop by the charge less at most the refill of the wait.
        var after = await Eventually.Until(() => grain.GetStatusAsync("tiny"),
            s => s.WaferTokensLeft <= before.WaferTokensLeft - 900 && s.GpuTokensLeft <= before.GpuTokensLeft - 600, TimeSpan.FromSeconds(5), "the charges to arrive");
        Assert.InRange(after.WaferTokensLeft, before.WaferTokensLeft - 1_000, before.WaferTokensLeft - 900);
        Assert.InRange(after.GpuTokensLeft, before.GpuTokensLeft - 700, before.GpuTokensLeft - 600);
    }

    [Fact]
    public async Task A_charge_sent_at_once_leaves_the_buffer_and_reaches_the_grain()
    {
        var p = cluster.NewPrefix();
        var buffer = Silo.GetRequiredService<TenantChargeBuffer>();
        var grain = cluster.Grains.GetGrain<ITenantBudgetGrain>($"{p}-cb-now");
        var before = await grain.GetStatusAsync("tiny");

        buffer.Add($"{p}-cb-now", "tiny", HardwareClass.WaferScale, 7_000); // more than the 6,000-token bucket
        buffer.Add($"{p}-cb-now", "tiny", HardwareClass.Gpu, 10);
        Assert.Equal(7_000, buffer.Pending($"{p}-cb-now", "tiny", HardwareClass.WaferScale));

        buffer.SendNow($"{p}-cb-now", "tiny", HardwareClass.WaferScale);
        Assert.Equal(0, buffer.Pending($"{p}-cb-now", "tiny", HardwareClass.WaferScale)); // taken out and sent, not left for the flush

        var status = await Eventually.Until(() => grain.GetStatusAsync("tiny"), s => s.ExhaustedBits != 0, TimeSpan.FromSeconds(5), "the wafer pool to be used up");
        Assert.True(status.WaferTokensLeft < 0, $"wafer tokens left {status.WaferTokensLeft}, before {before.WaferTokensLeft}");
    }
}
