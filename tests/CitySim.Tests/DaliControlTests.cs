using City.Protocols.Dali;
using City.Sim.Dali;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

public class DaliControlTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Text_commands_inject_and_clear_faults_that_the_bus_then_shows()
    {
        var line = new DaliSimLine(new DaliLineSetup { Gear = 4, Unaddressed = 1 }, _time);
        var client = new DaliClient(new DirectLineMaster(line), _time);

        Assert.True(DaliLineControl.TryApply("lamp fail A2", line, out var reply), reply);
        Assert.Equal("A2 (#2): lamp fail", reply);
        Assert.True((await client.ExecuteAsync(DaliGear.QueryLampFailure(DaliAddress.Short(2)))).AsYes());

        Assert.True(DaliLineControl.TryApply("lamp ok 2", line, out _));
        Assert.False((await client.ExecuteAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast))).AsYes());

        Assert.True(DaliLineControl.TryApply("silent #1", line, out _));
        Assert.Equal(DaliBusOutcome.NoAnswer, (await client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(1)))).Outcome);
        Assert.True(DaliLineControl.TryApply("answer A1", line, out _));
        Assert.Equal(DaliBusOutcome.Answer, (await client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(1)))).Outcome);

        Assert.True(DaliLineControl.TryApply("lamp fail #3", line, out reply));
        Assert.Equal("#3 (no short address): lamp fail", reply);

        Assert.True(DaliLineControl.TryApply("power off", line, out _));
        Assert.Equal(DaliBusOutcome.BusPowerFailure, (await client.ExecuteAsync(DaliGear.Off(DaliAddress.Broadcast))).Outcome);
        Assert.True(DaliLineControl.TryApply(" power  on ", line, out _));
        Assert.Equal(DaliBusOutcome.Sent, (await client.ExecuteAsync(DaliGear.Off(DaliAddress.Broadcast))).Outcome);

        Assert.True(DaliLineControl.TryApply("status", line, out var status));
        Assert.Contains("line power on, 4 gear", status, StringComparison.Ordinal);
        Assert.Contains("#3 (no short address): level 0", status, StringComparison.Ordinal);
        Assert.Contains("lamp failed", status, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lamp break A1")]
    [InlineData("lamp fail A9")]
    [InlineData("silent #99")]
    [InlineData("power")]
    [InlineData("silent Ax")]
    public void Commands_that_cannot_apply_say_why(string command)
    {
        var line = new DaliSimLine(new DaliLineSetup { Gear = 4 }, _time);
        Assert.False(DaliLineControl.TryApply(command, line, out var reply));
        Assert.False(string.IsNullOrWhiteSpace(reply));
    }
}
