using ControlPlane.Placement.Routing;
using Xunit;

namespace ControlPlane.Placement.Tests;

public sealed class ReplicaIdIndexTests
{
    [Fact]
    public void Random_adds_moves_and_removals_agree_with_a_dictionary()
    {
        var index = new ReplicaIdIndex();
        var model = new Dictionary<string, int>(StringComparer.Ordinal);
        var random = new Random(7);

        // A small id space, so removals punch gaps into probe runs and re-adds refill them (backward shift).
        for (var step = 0; step < 20_000; step++)
        {
            var id = $"replica-{random.Next(600)}";
            switch (random.Next(3))
            {
                case 0 when !model.ContainsKey(id):
                    index.Add(id, step);
                    model[id] = step;
                    break;
                case 1 when model.ContainsKey(id):
                    index.Move(id, -step);
                    model[id] = -step;
                    break;
                case 2:
                    Assert.Equal(model.Remove(id, out var expected), index.Remove(id, out var removed));
                    Assert.Equal(expected, removed);
                    break;
            }

            Assert.Equal(model.Count, index.Count);
            if (step % 997 == 0)
            {
                for (var n = 0; n < 600; n++)
                {
                    var probe = $"replica-{n}";
                    Assert.Equal(model.TryGetValue(probe, out var row), index.TryGet(probe, out var got));
                    Assert.Equal(row, got);
                    Assert.Equal(model.ContainsKey(probe), index.TryGetByHash(ReplicaIdIndex.HashOf(probe), out var hinted));
                    Assert.Equal(row, hinted);
                }
            }
        }
    }

    [Fact]
    public void Ids_that_differ_only_in_case_or_length_are_different_replicas()
    {
        var index = new ReplicaIdIndex();
        index.Add("r1", 1);
        index.Add("R1", 2);
        index.Add("r10", 3);

        Assert.True(index.TryGet("R1", out var upper));
        Assert.Equal(2, upper);
        Assert.True(index.TryGet("r10", out var longer));
        Assert.Equal(3, longer);
        Assert.False(index.TryGet("r", out _));
        Assert.False(index.TryGetByHash(ReplicaIdIndex.HashOf("r2"), out _));
    }

    [Fact]
    public void A_duplicate_add_or_a_move_of_an_unknown_id_is_refused_and_changes_nothing()
    {
        var index = new ReplicaIdIndex();
        index.Add("r1", 1);

        var duplicate = Assert.Throws<ArgumentException>(() => index.Add("r1", 9));
        Assert.Contains("'r1' is already in the index", duplicate.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => index.Move("r2", 9));
        Assert.False(index.Remove("r2", out _));

        Assert.Equal(1, index.Count);
        Assert.True(index.TryGet("r1", out var row));
        Assert.Equal(1, row);
    }

    [Fact]
    public void It_grows_past_its_first_capacity_and_keeps_every_id()
    {
        var index = new ReplicaIdIndex();
        for (var i = 0; i < 100_000; i++)
        {
            index.Add($"r{i}", i);
        }

        Assert.Equal(100_000, index.Count);
        for (var i = 0; i < 100_000; i += 7)
        {
            Assert.True(index.TryGetByHash(ReplicaIdIndex.HashOf($"r{i}"), out var row));
            Assert.Equal(i, row);
        }
    }
}
