using System.Runtime.CompilerServices;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Placement.Tests;

/// <summary>
/// The routing index keeps each replica's live fields in rows that move when others are removed; these tests
/// check that ids, rows, objects and the wafer totals never drift apart.
/// </summary>
public sealed class DeploymentRoutesTests
{
    [Fact]
    public void Random_upserts_removals_and_reservations_keep_ids_rows_and_totals_consistent()
    {
        var spec = Fleets.FastCoderSpec();
        var routes = new DeploymentRoutes(spec);
        var model = new Dictionary<string, (RoutableReplica Replica, int Active, int Queue, bool Ready)>();
        var random = new Random(11);
        for (var step = 0; step < 5_000; step++)
        {
            var id = $"r{random.Next(60)}";
            switch (random.Next(5))
            {
                case 0:
                    var replica = NewReplica(id, random.Next(2) == 0 ? HardwareClass.WaferScale : HardwareClass.Gpu, slots: 8);
                    replica.Ready = random.Next(2) == 0;
                    replica.QueueDepth = random.Next(10);
                    routes.Upsert(replica);
                    model[id] = (replica, 0, replica.QueueDepth, replica.Ready);
                    break;
                case 1:
                    Assert.Equal(model.Remove(id), routes.Remove(id));
                    break;
                case 2 when model.TryGetValue(id, out var held):
                    var reserved = routes.TryReserve(held.Replica);
                    Assert.Equal(held.Active < 8, reserved);
                    model[id] = held with { Active = held.Active + (reserved ? 1 : 0) };
                    break;
                case 3 when model.TryGetValue(id, out var held):
                    routes.Release(held.Replica);
                    model[id] = held with { Active = Math.Max(0, held.Active - 1) };
                    break;
                case 4 when model.TryGetValue(id, out var held):
                    held.Replica.QueueDepth = random.Next(10);
                    held.Replica.Ready = !held.Replica.Ready;
                    model[id] = held with { Queue = held.Replica.QueueDepth, Ready = held.Replica.Ready };
                    break;
            }

            if (step % 50 == 0)
            {
                AssertMatches(routes, model);
            }
        }

        AssertMatches(routes, model);
    }

    [Fact]
    public void A_removed_replica_keeps_its_fields_and_no_longer_counts_towards_the_wafer_totals()
    {
        var routes = Fleets.Routes(Fleets.FastCoderSpec(), wafers: 2, gpus: 0, slots: 4);
        Assert.True(routes.TryGet("w0", out var gone));
        Assert.True(routes.TryReserve(gone));
        Assert.True(routes.TryReserve(gone));
        Assert.Equal(2.0 / 8, routes.WaferUtilization);

        Assert.True(routes.Remove("w0"));
        Assert.Equal(0, routes.WaferUtilization);
        Assert.Equal(2, gone.ActiveStreams);
        Assert.True(gone.Ready);

        // A completion that arrives after its replica left the index must not touch the index's totals.
        routes.Release(gone);
        Assert.Equal(1, gone.ActiveStreams);
        Assert.Equal(0, routes.WaferUtilization);
        Assert.True(routes.TryGet("w1", out var stays));
        Assert.Equal(0, stays.ActiveStreams);
    }

    [Fact]
    public void A_replica_belongs_to_one_index_at_a_time()
    {
        var first = Fleets.Routes(Fleets.FastCoderSpec(), wafers: 1, gpus: 0);
        Assert.True(first.TryGet("w0", out var replica));
        var second = new DeploymentRoutes(Fleets.FastCoderSpec());

        var error = Assert.Throws<InvalidOperationException>(() => second.Upsert(replica));
        Assert.Contains("'w0'", error.Message);
        Assert.Equal(0, second.Count);

        // Once removed from the first, it may join another, with its live fields.
        replica.QueueDepth = 3;
        first.Remove("w0");
        second.Upsert(replica);
        Assert.True(second.TryGet("w0", out var moved));
        Assert.Same(replica, moved);
        Assert.Equal(3, moved.QueueDepth);
    }

    [Fact]
    public void A_reservation_through_a_stale_candidate_lands_on_its_own_replica()
    {
        var routes = Fleets.Routes(Fleets.FastCoderSpec(HardwareClass.WaferScale), wafers: 3, gpus: 0, slots: 4);
        var decision = Fleets.Engine().Decide(Fleets.Turn(), routes);
        var winner = decision.Ranked[0];

        // Removing another replica moves the last row into the gap, possibly the winner's.
        var other = new[] { "w0", "w1", "w2" }.First(id => id != winner.Replica.ReplicaId);
        routes.Remove(other);

        Assert.True(routes.TryReserve(winner));
        Assert.Equal(1, winner.Replica.ActiveStreams);
        foreach (var replica in routes.Replicas(HardwareClass.WaferScale).Where(r => r != winner.Replica))
        {
            Assert.Equal(0, replica.ActiveStreams);
        }

        routes.Release(winner);
        Assert.Equal(0, winner.Replica.ActiveStreams);
        Assert.Equal(0, routes.WaferUtilization);
    }

    [Fact]
    public void A_row_fits_in_half_a_cache_line()
    {
        // The engine reads a sampled candidate from its row alone; two rows per 64-byte line keep a
        // 100k-replica index within the CPU's caches (docs/benchmarks.md, engine alone).
        Assert.True(Unsafe.SizeOf<ReplicaRow>() <= 32, $"ReplicaRow is {Unsafe.SizeOf<ReplicaRow>()} bytes");
    }

    private static void AssertMatches(DeploymentRoutes routes, Dictionary<string, (RoutableReplica Replica, int Active, int Queue, bool Ready)> model)
    {
        Assert.Equal(model.Count, routes.Count);
        var listed = routes.Replicas(HardwareClass.WaferScale).Concat(routes.Replicas(HardwareClass.Gpu)).ToList();
        Assert.Equal(model.Keys.Order(), listed.Select(r => r.ReplicaId).Order());
        var waferSlots = 0;
        var waferActive = 0;
        foreach (var (id, expected) in model)
        {
            Assert.True(routes.TryGet(id, out var replica));
            Assert.Same(expected.Replica, replica);
            Assert.Equal(expected.Active, replica.ActiveStreams);
            Assert.Equal(expected.Queue, replica.QueueDepth);
            Assert.Equal(expected.Ready, replica.Ready);
            if (replica.Class == HardwareClass.WaferScale)
            {
                waferSlots += replica.Slots;
                waferActive += expected.Active;
            }
        }

        Assert.Equal(waferSlots == 0 ? 0 : (double)waferActive / waferSlots, routes.WaferUtilization, 12);
    }

    private static RoutableReplica NewReplica(string id, HardwareClass hardwareClass, int slots)
    {
        var spec = Fleets.FastCoderSpec();
        var sku = hardwareClass == HardwareClass.WaferScale ? Fleets.Cs3 : Fleets.H200;
        return new RoutableReplica(id, spec.Name, hardwareClass, hardwareClass == HardwareClass.WaferScale ? "wafer-scale/r/z" : "gpu/r/z",
            [$"{id}-accelerator"], PerformanceModel.Default.Predict(spec.Shape, sku, hardwareClass == HardwareClass.WaferScale ? 2 : 4), slots, spec.ContextWindowTokens);
    }
}
