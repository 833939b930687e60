using ControlPlane.Grains.Nodes;
using ControlPlane.Grains.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace ControlPlane.Grains.Tests.Storage;

public sealed class SqliteGrainStorageTests : GrainStorageContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cp-sqlite-").FullName;

    protected override IGrainStorage Store() => Open(Path.Combine(_dir, $"{Guid.NewGuid():N}.db"));

    private static SqliteGrainStorage Open(string path) => new(path, new GrainStateFormat(), NullLogger<SqliteGrainStorage>.Instance);

    private static GrainId Node(string key) => GrainId.Create("node", key);

    [Fact]
    public async Task What_was_written_is_read_back_by_a_store_opened_again_on_the_same_file()
    {
        var path = Path.Combine(_dir, "reopen", "state.db");
        var written = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "kept" });
        await Open(path).WriteStateAsync("node", Node("n1"), written);
        SqliteConnection.ClearAllPools();

        var reopened = Open(path);
        var read = new GrainState<NodeRecord>(new NodeRecord());
        await reopened.ReadStateAsync("node", Node("n1"), read);
        read.State!.AgentVersion = "changed";
        await reopened.WriteStateAsync("node", Node("n1"), read);

        Assert.Equal("1", written.ETag);
        Assert.Equal("2", read.ETag);
        Assert.Equal(["node/n1"], await reopened.ListAsync("node"));
    }

    [Fact]
    public void The_file_is_in_wal_mode()
    {
        var store = Open(Path.Combine(_dir, "wal.db"));

        using var connection = new SqliteConnection($"Data Source={store.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Theory]
    [InlineData("garbage", "not a SQLite database")]
    [InlineData("truncated", "cannot be used")]
    public async Task A_file_that_is_not_a_sound_database_stops_the_store_naming_it_and_is_left_as_it_was(string damage, string problem)
    {
        var path = Path.Combine(_dir, $"{damage}.db");
        if (damage == "garbage")
        {
            await File.WriteAllTextAsync(path, "this is not a database, but someone's notes; keep them\n".PadRight(8192, '.'));
        }
        else
        {
            var store = Open(path);
            for (var i = 0; i < 200; i++)
            {
                await store.WriteStateAsync("node", Node($"n{i}"), new GrainState<NodeRecord>(new NodeRecord { AgentVersion = new string('v', 500) }));
            }

            SqliteConnection.ClearAllPools();
            Checkpoint(path);
            var bytes = await File.ReadAllBytesAsync(path);
            await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 3)]);
            File.Delete(path + "-wal");
            File.Delete(path + "-shm");
        }

        var before = await File.ReadAllBytesAsync(path);
        var error = Assert.Throws<GrainStorageUnavailableException>(() => Open(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("nothing was overwritten", error.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task An_unreadable_record_fails_its_grains_read_naming_it_and_stays_as_it_was()
    {
        var path = Path.Combine(_dir, "bad-record.db");
        var store = Open(path);
        await store.WriteStateAsync("node", Node("bad"), new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "1" }));
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE grain_state SET data = x'01c1c1' WHERE grain_id = 'node/bad'";
            command.ExecuteNonQuery();
        }

        var error = await Assert.ThrowsAsync<GrainStateFormatException>(() => store.ReadStateAsync("node", Node("bad"), new GrainState<NodeRecord>(new NodeRecord())));

        Assert.Contains("'node' of node/bad", error.Message);
        Assert.Contains(path, error.Message);
        using var check = new SqliteConnection($"Data Source={path}");
        check.Open();
        using var select = check.CreateCommand();
        select.CommandText = "SELECT hex(data) FROM grain_state WHERE grain_id = 'node/bad'";
        Assert.Equal("01C1C1", select.ExecuteScalar());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static void Checkpoint(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        command.ExecuteNonQuery();
        connection.Close();
        SqliteConnection.ClearAllPools();
    }
}
