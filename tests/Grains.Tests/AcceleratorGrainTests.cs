using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Nodes;

namespace ControlPlane.Grains.Tests;

[Collection(FleetClusterCollection.Name)]
public class AcceleratorGrainTests(FleetClusterFixture fleet)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Registration_then_a_heartbeat_makes_it_active()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-active-1");

        var registered = await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-active-1", $"{p}-node-active-1"));
        var refusal = await grain.ReportTelemetryAsync($"{p}-node-active-1", 1, Registrations.Busy);
        var view = await grain.GetAsync();

        Assert.True(registered.Accepted);
        Assert.Equal(AcceleratorState.Registering, registered.View!.State);
        Assert.Equal(AcceleratorRefusal.None, refusal);
        Assert.Equal(AcceleratorState.Active, view!.State);
        Assert.Equal(3300, view.Telemetry.TokensPerSecond);
        Assert.Equal("wafer-scale/r1/z1", view.Registration.Pool);
        Assert.NotNull(view.LastHeartbeatAt);
    }

    [Fact]
    public async Task Silence_past_the_lease_marks_it_lost_and_a_heartbeat_brings_it_back()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-lease-1");
        await grain.RegisterAsync(Registrations.GpuNode($"{p}-acc-lease-1", $"{p}-node-lease-1"));
        await grain.ReportTelemetryAsync($"{p}-node-lease-1", 1, Registrations.Busy);

        var lost = await Eventually.Until(grain.GetAsync, v => v!.State == AcceleratorState.Lost, Wait, "the lease to expire");
        await grain.ReportTelemetryAsync($"{p}-node-lease-1", 2, Registrations.Busy);
        var back = await grain.GetAsync();

        Assert.StartsWith("lease expired", lost!.StateReason);
        Assert.Equal(AcceleratorState.Active, back!.State);
        Assert.Equal("node reconnected", back.StateReason);
    }

    [Fact]
    public async Task Heartbeats_within_the_lease_keep_it_active()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-steady-1");
        await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-steady-1", $"{p}-node-steady-1"));

        // Three leases' worth of heartbeats, each well inside the lease.
        var until = DateTime.UtcNow + 3 * FleetClusterFixture.Lease;
        ulong sequence = 0;
        while (DateTime.UtcNow < until)
        {
            await grain.ReportTelemetryAsync($"{p}-node-steady-1", ++sequence, Registrations.Busy);
            Assert.Equal(AcceleratorState.Active, (await grain.GetAsync())!.State);
            await Task.Delay(FleetClusterFixture.Lease / 6);
        }
    }

    [Fact]
    public async Task Another_node_can_neither_take_nor_report_for_an_accelerator()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-owned-1");
        await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-owned-1", $"{p}-node-owner"));

        var takeover = await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-owned-1", $"{p}-node-thief"));
        var report = await grain.ReportTelemetryAsync($"{p}-node-thief", 1, Registrations.Busy);
        var view = await grain.GetAsync();

        Assert.Equal(AcceleratorRefusal.OwnedByAnotherNode, takeover.Refusal);
        Assert.Contains($"{p}-node-owner", takeover.Message);
        Assert.Equal(AcceleratorRefusal.OwnedByAnotherNode, report);
        Assert.Equal($"{p}-node-owner", view!.Registration.NodeId);
        Assert.Equal(AcceleratorState.Registering, view.State);
    }

    [Fact]
    public async Task Telemetry_for_an_unregistered_accelerator_is_refused()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-never-registered");

        Assert.Equal(AcceleratorRefusal.NotRegistered, await grain.ReportTelemetryAsync($"{p}-node-x", 1, Registrations.Busy));
        Assert.Null(await grain.GetAsync());
    }

    [Fact]
    public async Task Changing_the_hardware_of_a_known_id_is_refused()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-hw-1");
        await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-hw-1", $"{p}-node-hw-1"));

        var outcome = await grain.RegisterAsync(Registrations.GpuNode($"{p}-acc-hw-1", $"{p}-node-hw-1"));

        Assert.Equal(AcceleratorRefusal.HardwareChanged, outcome.Refusal);
        Assert.Equal("cs3", (await grain.GetAsync())!.Registration.Sku);
    }

    [Fact]
    public async Task A_decommissioned_accelerator_refuses_its_agent()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-decom-1");
        await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-decom-1", $"{p}-node-decom-1"));
        await Eventually.Until(grain.GetAsync, v => v!.State == AcceleratorState.Lost, Wait, "the lease to expire");

        var decommissioned = await grain.ApplyAsync(Operators.Command(OperatorAction.Decommission, "retired"));
        var register = await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-decom-1", $"{p}-node-decom-1"));
        var report = await grain.ReportTelemetryAsync($"{p}-node-decom-1", 1, Registrations.Busy);

        Assert.True(decommissioned.Accepted);
        Assert.Equal(AcceleratorRefusal.Decommissioned, register.Refusal);
        Assert.Equal(AcceleratorRefusal.Decommissioned, report);
        Assert.Equal(AcceleratorState.Decommissioned, (await grain.GetAsync())!.State);
    }

    [Fact]
    public async Task An_illegal_operator_action_is_refused_and_changes_nothing()
    {
        var p = fleet.NewPrefix();
        var grain = fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-illegal-1");
        await grain.RegisterAsync(Registrations.Wafer($"{p}-acc-illegal-1", $"{p}-node-illegal-1"));
        await grain.ReportTelemetryAsync($"{p}-node-illegal-1", 1, Registrations.Busy);

        var outcome = await grain.ApplyAsync(Operators.Command(OperatorAction.Decommission, "oops"));

        Assert.Equal(AcceleratorRefusal.IllegalTransition, outcome.Refusal);
        Assert.Contains("drain it first", outcome.Message);
        Assert.Equal(AcceleratorState.Active, (await grain.GetAsync())!.State);
    }

    [Fact]
    public async Task A_node_registration_is_all_or_nothing()
    {
        var p = fleet.NewPrefix();
        await fleet.Grains.GetGrain<INodeGrain>($"{p}-node-aon-owner").RegisterAsync([Registrations.Wafer($"{p}-acc-aon-taken", $"{p}-node-aon-owner")], "1");

        var outcome = await fleet.Grains.GetGrain<INodeGrain>($"{p}-node-aon-other").RegisterAsync(
            [Registrations.Wafer($"{p}-acc-aon-fresh", $"{p}-node-aon-other"), Registrations.Wafer($"{p}-acc-aon-taken", $"{p}-node-aon-other")], "1");

        Assert.False(outcome.Accepted);
        Assert.Equal(1, outcome.RefusedIndex);
        Assert.Equal(AcceleratorRefusal.OwnedByAnotherNode, outcome.Refusal);
        Assert.Null(await fleet.Grains.GetGrain<IAcceleratorGrain>($"{p}-acc-aon-fresh").GetAsync());
        Assert.Empty(await fleet.Grains.GetGrain<INodeGrain>($"{p}-node-aon-other").GetAcceleratorIdsAsync());
    }

    [Fact]
    public async Task The_fleet_index_pages_through_every_accelerator_in_id_order_and_filters()
    {
        var p = fleet.NewPrefix();
        var node = fleet.Grains.GetGrain<INodeGrain>($"{p}-node-index");
        var registrations = Enumerable.Range(0, 25)
            .Select(i => i % 5 == 0 ? Registrations.Wafer($"idx-{i:D2}", $"{p}-node-index") : Registrations.GpuNode($"idx-{i:D2}", $"{p}-node-index"))
            .ToArray();
        Assert.True((await node.RegisterAsync(registrations, "1")).Accepted);
        var reader = new FleetIndexReader(fleet.Grains, Microsoft.Extensions.Options.Options.Create(new Fleet.FleetOptions { IndexShards = 4 }));
        var all = new AcceleratorQuery(null, null, null, $"{p}-node-index", null, 10);
        await Eventually.Until(() => reader.QueryAsync(all, default), p => p.TotalMatching == 25, TimeSpan.FromSeconds(10), "the index to hold all 25");

        var seen = new List<string>();
        string? after = null;
        AcceleratorPage page;
        do
        {
            page = await reader.QueryAsync(all with { AfterAcceleratorId = after }, default);
            seen.AddRange(page.Accelerators.Select(a => a.AcceleratorId));
            after = page.Accelerators.LastOrDefault()?.AcceleratorId;
        }
        while (page.HasMore);
        var wafers = await reader.QueryAsync(all with { HardwareClass = Placement.Hardware.HardwareClass.WaferScale, Limit = 100 }, default);

        Assert.Equal(registrations.Select(r => r.AcceleratorId).Order(StringComparer.Ordinal), seen);
        Assert.Equal(5, wafers.TotalMatching);
        Assert.All(wafers.Accelerators, a => Assert.Equal(Placement.Hardware.HardwareClass.WaferScale, a.Registration.HardwareClass));
    }
}
