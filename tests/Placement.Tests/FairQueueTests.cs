using ControlPlane.Placement.Queueing;

namespace ControlPlane.Placement.Tests;

public sealed class FairQueueTests
{
    [Fact]
    public void Tenants_take_turns_so_one_burst_does_not_starve_another()
    {
        var queue = new FairQueue<string>();
        for (var i = 0; i < 5; i++)
        {
            queue.Enqueue("big", 0, $"big-{i}");
        }

        queue.Enqueue("small", 0, "small-0");
        queue.Enqueue("small", 0, "small-1");

        Assert.Equal(["big-0", "small-0", "big-1", "small-1", "big-2", "big-3", "big-4"], Drain(queue));
    }

    [Fact]
    public void Higher_priority_goes_first_and_order_within_a_tenant_is_kept()
    {
        var queue = new FairQueue<string>();
        queue.Enqueue("a", 0, "a-low-0");
        queue.Enqueue("a", 5, "a-high-0");
        queue.Enqueue("b", 5, "b-high-0");
        queue.Enqueue("a", 0, "a-low-1");

        Assert.Equal(["a-high-0", "b-high-0", "a-low-0", "a-low-1"], Drain(queue));
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void Removed_items_never_come_out_and_the_count_stays_true()
    {
        var queue = new FairQueue<string>();
        queue.Enqueue("a", 0, "a-0");
        queue.Enqueue("b", 0, "b-0");
        queue.Enqueue("a", 0, "a-1");

        Assert.Equal(1, queue.RemoveWhere(i => i == "b-0"));
        Assert.Equal(2, queue.Count);
        Assert.Equal(["a-0", "a-1"], Drain(queue));
    }

    private static List<string> Drain(FairQueue<string> queue)
    {
        var items = new List<string>();
        while (queue.TryDequeue(out var item))
        {
            items.Add(item);
        }

        return items;
    }
}
