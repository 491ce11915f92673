using City.Protocols.MBus;

namespace City.MBus.Tests;

/// <summary>The client and the scanner over an in-memory line of meters that answer as the standard says.</summary>
public sealed class ClientTests
{
    /// <summary>Meters on a line: acks, RSP_UD with the FCB rule, selections, and collisions (several answers at once are garbled).</summary>
    private sealed class FakeLine(params (byte Primary, uint Id)[] meters) : IMBusLine
    {
        private readonly (byte Primary, MBusSecondaryAddress Address)[] _meters =
            [.. meters.Select(m => (m.Primary, new MBusSecondaryAddress(m.Id, MBusSecondaryAddress.PackManufacturer("TST"), 1, MBusMedium.Water)))];

        private readonly HashSet<int> _selected = [];

        public List<MBusFrame> Requests { get; } = [];

        public int SilentAnswersToDrop { get; set; }

        public int AccessNumber { get; private set; }

        public MBusTiming Timing { get; } = new(2400);

        public Task SendAsync(MBusFrame request, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<MBusReply> ExchangeAsync(MBusFrame request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var answering = new List<byte[]>();
            for (int i = 0; i < _meters.Length; i++)
            {
                bool addressed = request.Address == _meters[i].Primary || (request.Address == MBusAddress.Network && _selected.Contains(i));
                if (request.ControlInformation == MBusControlInformation.SelectSlave && request.Kind == MBusFrameKind.Long)
                {
                    if (MBusSecondaryAddress.Read(request.Data.Span).Matches(_meters[i].Address))
                    {
                        _selected.Add(i);
                        answering.Add([0xE5]);
                    }
                    else
                    {
                        _selected.Remove(i);
                    }
                }
                else if (addressed && request.Control == MBusControl.SndNke)
                {
                    answering.Add([0xE5]);
                }
                else if (addressed && MBusControl.RequestFunction(request.Control) == MBusControl.ReqUd2)
                {
                    var data = new MBusTelegramWriter(_meters[i].Address, (byte)++AccessNumber).Integer(MBusDataCoding.Int32, 0x13, 1000 + i).ToArray();
                    answering.Add(MBusFraming.Encode(MBusFrame.Long(MBusControl.RspUd, _meters[i].Primary, 0x72, data)));
                }
            }

            if (answering.Count == 0 || SilentAnswersToDrop-- > 0)
            {
                return Task.FromResult(MBusReply.Silent);
            }

            if (answering.Count > 1)
            {
                return Task.FromResult(new MBusReply(MBusReplyKind.Garbled, default, new byte[] { 0xC1, 0x65 }, MBusFrameError.BadStart));
            }

            System.Buffers.OperationStatus status = MBusFraming.TryRead(answering[0], out var frame, out _, out _);
            Assert.Equal(System.Buffers.OperationStatus.Done, status);
            return Task.FromResult(new MBusReply(MBusReplyKind.Frame, frame, answering[0]));
        }
    }

    [Fact]
    public async Task Req_ud2_starts_with_fcb_set_after_snd_nke_toggles_and_a_repeat_keeps_it()
    {
        var line = new FakeLine((1, 0x11111111));
        var client = new MBusClient(line);
        Assert.True(await client.ResetAsync(1, CancellationToken.None));
        await client.ReadAsync(1, CancellationToken.None);
        await client.ReadAsync(1, CancellationToken.None);
        line.SilentAnswersToDrop = 1;
        var telegram = await client.ReadAsync(1, CancellationToken.None);
        var controls = line.Requests.Where(r => r.Kind == MBusFrameKind.Short && r.Control != MBusControl.SndNke).Select(r => r.Control).ToList();
        Assert.Equal(new byte[] { 0x7B, 0x5B, 0x7B, 0x7B }, controls);
        Assert.Equal(1000.0 / 1000, telegram.Records[0].Value);
    }

    [Fact]
    public async Task A_silent_meter_fails_after_its_retries()
    {
        var line = new FakeLine((1, 0x11111111));
        var client = new MBusClient(line, new MBusClientOptions { Retries = 1 });
        var error = await Assert.ThrowsAsync<MBusException>(() => client.ReadAsync(7, CancellationToken.None));
        Assert.Contains("address 7 did not answer REQ_UD2", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, line.Requests.Count);
    }

    [Fact]
    public async Task The_secondary_scan_narrows_collisions_digit_by_digit()
    {
        var line = new FakeLine((1, 0x12345678), (2, 0x12345699), (3, 0x40000000));
        var result = await new MBusScanner(new MBusClient(line)).ScanSecondaryAsync(CancellationToken.None);
        Assert.Equal(["12345678", "12345699", "40000000"], result.Found.Select(f => f.Header!.Identification));
        Assert.Empty(result.Collisions);
        // Collisions at the root, 1, 12, 123, 1234, 12345, 123456: 7 x 10 selections + the root, and 3 reads.
        Assert.Equal(1 + 70 + 3, result.Requests);
    }

    [Fact]
    public async Task Two_meters_with_one_identification_number_are_reported_not_looped_on()
    {
        var line = new FakeLine((1, 0x00000001), (2, 0x00000001));
        var result = await new MBusScanner(new MBusClient(line)).ScanSecondaryAsync(CancellationToken.None);
        Assert.Empty(result.Found);
        Assert.Equal(["00000001FFFFFFFF: several slaves share this identification number"], result.Collisions);
    }

    [Fact]
    public async Task The_primary_scan_finds_each_meter_and_a_shared_address_is_a_collision()
    {
        var line = new FakeLine((1, 0x11111111), (3, 0x22222222), (3, 0x33333333));
        var result = await new MBusScanner(new MBusClient(line)).ScanPrimaryAsync(0, 4, CancellationToken.None);
        Assert.Equal([(byte)1], result.Found.Select(f => f.PrimaryAddress!.Value));
        Assert.Equal("11111111", result.Found[0].Header!.Identification);
        Assert.Single(result.Collisions, c => c.StartsWith("primary address 3: garbled answer", StringComparison.Ordinal));
    }
}
