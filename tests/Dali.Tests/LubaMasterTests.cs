using City.Protocols.Dali.Luba;
using Microsoft.Extensions.Time.Testing;

namespace City.Protocols.Dali.Tests;

/// <summary><see cref="LubaDaliMaster"/> against a scripted interface on an in-memory cable.</summary>
public sealed class LubaMasterTests : IAsyncDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly Stream _device;
    private readonly LubaDaliMaster _master;
    private readonly List<LubaTransmitRequest> _requests = [];

    public LubaMasterTests()
    {
        var (host, device) = InMemoryDuplex.Create();
        _device = device;
        _master = new LubaDaliMaster(host, new LubaMasterOptions { AnswerWindow = TimeSpan.FromMilliseconds(300), InterfaceTimeout = TimeSpan.FromSeconds(2) });
    }

    /// <summary>How the scripted interface replies to one request.</summary>
    private delegate IEnumerable<byte[]> Script(LubaTransmitRequest request);

    [Fact]
    public async Task A_query_answer_comes_back_as_a_number()
    {
        var device = Serve(r => [Accept(1), Sent(1, r.Frame), Event(LubaEvent.Backward(0, 0, 0x42))]);
        var result = await _master.SendAsync(DaliGear.QueryActualLevel(DaliAddress.Short(3)).Frame, new DaliTransmit(ExpectAnswer: true), CancellationToken.None);
        Assert.Equal(DaliBusResult.Answer(0x42), result);
        await Stop(device);
        Assert.Equal("07A0", Assert.Single(_requests).Frame.ToString());
    }

    [Fact]
    public async Task Silence_after_the_frame_is_no_answer()
    {
        var device = Serve(r => [Accept(1), Sent(1, r.Frame)]);
        var result = await _master.SendAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast).Frame, new DaliTransmit(ExpectAnswer: true), CancellationToken.None);
        Assert.Equal(DaliBusOutcome.NoAnswer, result.Outcome);
        Assert.False(result.AsYes());
        await Stop(device);
    }

    [Fact]
    public async Task A_collision_is_a_framing_error_and_counts_as_yes()
    {
        var device = Serve(r => [Accept(1), Sent(1, r.Frame), Event(LubaEvent.FramingError(0, 0))]);
        var result = await _master.SendAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast).Frame, new DaliTransmit(ExpectAnswer: true), CancellationToken.None);
        Assert.Equal(DaliBusOutcome.FramingError, result.Outcome);
        Assert.True(result.AsYes());
        await Stop(device);
    }

    [Fact]
    public async Task An_answer_still_arriving_when_the_window_closes_gets_more_time()
    {
        var time = new FakeTimeProvider();
        var (host, deviceEnd) = InMemoryDuplex.Create();
        await using var master = new LubaDaliMaster(host, new LubaMasterOptions { AnswerWindow = TimeSpan.FromMilliseconds(40), InterfaceTimeout = TimeSpan.FromHours(1) }, time);
        var query = DaliGear.QueryVersionNumber(DaliAddress.Short(0));
        var answer = Event(LubaEvent.Backward(0, 0, 0x07));

        var result = master.SendAsync(query.Frame, new DaliTransmit(ExpectAnswer: true), CancellationToken.None).AsTask();
        await deviceEnd.WriteAsync(Accept(1).Concat(Sent(1, query.Frame)).Concat(answer.Take(3)).ToArray());
        using var deadline = new CancellationTokenSource(Generous);
        while (master.AnswerWindowExtensions == 0)
        {
            time.Advance(TimeSpan.FromMilliseconds(40));
            await Task.Delay(5, deadline.Token);
        }

        await deviceEnd.WriteAsync(answer.AsMemory(3));
        Assert.Equal(DaliBusResult.Answer(0x07), await result.WaitAsync(Generous));
        await deviceEnd.DisposeAsync();
    }

    [Fact]
    public async Task A_send_twice_command_waits_for_both_copies()
    {
        var device = Serve(r => [Accept(4), Sent(4, r.Frame), Sent(4, r.Frame)]);
        var command = DaliGear.SetMaxLevel(DaliAddress.Broadcast);
        var result = await _master.SendAsync(command.Frame, DaliTransmit.For(command), CancellationToken.None);
        Assert.Equal(DaliBusOutcome.Sent, result.Outcome);
        await Stop(device);
        Assert.True(Assert.Single(_requests).SendTwice);
    }

    [Fact]
    public async Task A_send_twice_command_with_one_copy_reported_is_an_interface_timeout()
    {
        var device = Serve(r => [Accept(4), Sent(4, r.Frame)]);
        var command = DaliGear.Reset(DaliAddress.Broadcast);
        var result = await _master.SendAsync(command.Frame, DaliTransmit.For(command), CancellationToken.None);
        Assert.Equal(DaliBusOutcome.InterfaceTimeout, result.Outcome);
        await Stop(device);
    }

    [Fact]
    public async Task A_line_without_power_is_reported_as_bus_power_failure()
    {
        var device = Serve(_ => [Reject(LubaTransmitResponse.ErrorBusPowerFailure)]);
        var result = await _master.SendAsync(DaliGear.Off(DaliAddress.Broadcast).Frame, default, CancellationToken.None);
        Assert.Equal(DaliBusOutcome.BusPowerFailure, result.Outcome);
        await Stop(device);
    }

    [Fact]
    public async Task Other_refusals_carry_the_interface_error_code()
    {
        var device = Serve(_ => [Reject(LubaTransmitResponse.ErrorBufferFull)]);
        var result = await _master.SendAsync(DaliGear.Off(DaliAddress.Broadcast).Frame, default, CancellationToken.None);
        Assert.Equal(new DaliBusResult(DaliBusOutcome.InterfaceRejected, LubaTransmitResponse.ErrorBufferFull), result);
        await Stop(device);
    }

    [Fact]
    public async Task A_silent_interface_is_an_interface_timeout_not_an_exception()
    {
        var device = Serve(_ => []);
        var result = await _master.SendAsync(DaliGear.Off(DaliAddress.Broadcast).Frame, default, CancellationToken.None);
        Assert.Equal(DaliBusOutcome.InterfaceTimeout, result.Outcome);
        await Stop(device);
    }

    [Fact]
    public async Task Garbage_and_corrupted_frames_between_replies_are_skipped()
    {
        var device = Serve(r =>
        {
            var corrupt = Event(LubaEvent.Backward(0, 0, 0x01));
            corrupt[^1] ^= 0xFF;
            return [[0x00, 0x13, 0x37], Accept(2), corrupt, Sent(2, r.Frame), Event(LubaEvent.Backward(0, 0, 0x99))];
        });
        var result = await _master.SendAsync(DaliGear.QueryStatus(DaliAddress.Short(0)).Frame, new DaliTransmit(ExpectAnswer: true), CancellationToken.None);
        Assert.Equal(DaliBusResult.Answer(0x99), result);
        Assert.True(_master.BadFrames >= 2);
        await Stop(device);
    }

    [Fact]
    public async Task A_closed_stream_is_an_io_exception()
    {
        _device.Dispose();
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await _master.SendAsync(DaliGear.Off(DaliAddress.Broadcast).Frame, default, CancellationToken.None);
                await Task.Delay(20);
            }
        });
    }

    [Fact]
    public async Task Device_info_is_read()
    {
        var info = new LubaDeviceInfo(1, 2, 3, 4, LubaDeviceInfo.Rs232ArticleNumber);
        var buffer = new byte[LubaFraming.MaxFrameLength];
        info.TryWrite(buffer, out int written, out _);
        var reply = buffer.AsSpan(0, written).ToArray();
        using var stop = new CancellationTokenSource(Generous);
        var device = Task.Run(async () =>
        {
            var request = await ReadFrameAsync(stop.Token);
            Assert.Equal(LubaCommand.QueryDeviceInfo, request[1]);
            await _device.WriteAsync(reply, stop.Token);
        });
        Assert.Equal(info, await _master.QueryDeviceInfoAsync());
        await device;
    }

    public async ValueTask DisposeAsync()
    {
        await _master.DisposeAsync();
        await _device.DisposeAsync();
    }

    private static byte[] Accept(byte id) => Write((Span<byte> b, out int n) => LubaTransmitResponse.Accept(id).TryWrite(b, out n, out _));

    private static byte[] Reject(byte code) => Write((Span<byte> b, out int n) => LubaTransmitResponse.Reject(code).TryWrite(b, out n, out _));

    private static byte[] Sent(byte id, DaliForwardFrame frame) => Event(LubaEvent.Sent(0, 0, id, frame));

    private static byte[] Event(LubaEvent message) => Write((Span<byte> b, out int n) => message.TryWrite(b, out n, out _));

    private delegate bool Writer(Span<byte> buffer, out int written);

    private static byte[] Write(Writer write)
    {
        var buffer = new byte[LubaFraming.MaxFrameLength];
        Assert.True(write(buffer, out int written));
        return buffer.AsSpan(0, written).ToArray();
    }

    private Task Serve(Script script) => Task.Run(async () =>
    {
        using var stop = new CancellationTokenSource(Generous);
        var request = await ReadFrameAsync(stop.Token);
        if (request.Length == 0)
        {
            return;
        }

        LubaFraming.TryRead(request, out var frame, out _, out _);
        Assert.True(LubaTransmitRequest.TryRead(frame, out var decoded, out var error), error.ToString());
        _requests.Add(decoded);
        foreach (var reply in script(decoded))
        {
            await _device.WriteAsync(reply, stop.Token);
        }
    });

    private static Task Stop(Task device) => device.WaitAsync(Generous);

    private async Task<byte[]> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        try
        {
            while (true)
            {
                if (await _device.ReadAsync(one, cancellationToken) == 0)
                {
                    return [];
                }

                bytes.Add(one[0]);
                if (LubaFraming.TryRead(bytes.ToArray(), out _, out _, out _) == LubaReadStatus.Done)
                {
                    return [.. bytes];
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return [];
        }
    }
}
