using System.Buffers.Binary;
using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>What could still be read from a damaged buffer file, document by document.</summary>
internal sealed record SalvageScan(
    IReadOnlyList<BsonDocument> Batches,
    BufferMeta? Meta,
    IReadOnlyList<BsonDocument> Aliases,
    int UnreadableDocuments,
    long MaxAliasInBatches,
    ulong MaxEpochInBatches);

/// <summary>
/// Reads a LiteDB 5 file page by page without LiteDB's own structures (header, collection and index pages, free lists
/// are exactly what damage breaks): every data page's blocks are chained into documents, each document parsed on its
/// own, and a failure costs that document only. Pages of confirmed transactions in the -log file replace the data
/// file's copies, as LiteDB itself does when it opens the file. Batches are kept only when their payload decodes and
/// agrees with the document (gateway, seq); the payload bytes are kept as they are.
/// </summary>
internal static class BufferPageScanner
{
    private const int PageSize = BufferDiskBudget.PageSize;
    private const int PageHeaderSize = 32;
    private const int SlotSize = 4;
    private const byte DataPageType = 4;
    private const int BlockHeaderSize = 6;
    private const int MaxBlocksPerDocument = 1 << 16;

    private sealed record Block(bool Extend, uint NextPage, byte NextIndex, byte[] Data);

    public static SalvageScan Scan(string dataPath, string logPath, string gatewayId)
    {
        var pages = new Dictionary<uint, byte[]>();
        uint position = 0;
        foreach (var page in ReadPages(dataPath))
        {
            pages[position++] = page;
        }

        var logPages = ReadPages(logPath).ToList();
        var confirmed = logPages.Where(p => p[18] != 0).Select(p => BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(14))).ToHashSet();
        foreach (var page in logPages.Where(p => confirmed.Contains(BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(14)))))
        {
            pages[BinaryPrimitives.ReadUInt32LittleEndian(page)] = page;
        }

        var blocks = new Dictionary<(uint Page, byte Index), Block>();
        foreach (var (id, page) in pages)
        {
            if (page[4] == DataPageType)
            {
                ReadBlocks(id, page, blocks);
            }
        }

        var batches = new Dictionary<long, (BsonDocument Doc, int Count)>();
        var aliases = new Dictionary<string, BsonDocument>(StringComparer.Ordinal);
        BufferMeta? meta = null;
        var unreadable = 0;
        long maxAlias = 0;
        ulong maxEpoch = 0;
        foreach (var (address, first) in blocks)
        {
            if (first.Extend)
            {
                continue;
            }

            var doc = Assemble(address, first, blocks);
            if (doc is null)
            {
                unreadable++;
                continue;
            }

            var id = doc["_id"];
            if (id.IsString && id.AsString == "state" && doc.ContainsKey("gatewayId"))
            {
                var candidate = BufferMeta.FromDocument(doc);
                meta = meta is null || candidate.NextSeq > meta.NextSeq ? candidate : meta;
            }
            else if (id.IsString && doc.TryGetValue("alias", out var alias) && alias.IsNumber)
            {
                aliases[id.AsString] = doc;
            }
            else if (id.IsNumber && doc.TryGetValue("payload", out var payload) && payload.IsBinary)
            {
                if (!TryCheckBatch(doc, payload.AsBinary, gatewayId, out var count, out var epoch, out var highestAlias))
                {
                    unreadable++;
                    continue;
                }

                maxAlias = Math.Max(maxAlias, highestAlias);
                maxEpoch = Math.Max(maxEpoch, epoch);
                var seq = id.AsInt64;
                if (!batches.TryGetValue(seq, out var existing) || existing.Count < count)
                {
                    batches[seq] = (doc, count);
                }
            }
        }

        return new SalvageScan([.. batches.OrderBy(b => b.Key).Select(b => b.Value.Doc)], meta, [.. aliases.Values], unreadable, maxAlias, maxEpoch);
    }

    private static IEnumerable<byte[]> ReadPages(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        while (true)
        {
            var page = new byte[PageSize];
            if (stream.ReadAtLeast(page, PageSize, throwOnEndOfStream: false) < PageSize)
            {
                yield break; // a partial last page (a truncated file) holds nothing whole
            }

            yield return page;
        }
    }

    /// <summary>The blocks listed in a data page's slot footer; slots that point outside the page are skipped.</summary>
    private static void ReadBlocks(uint pageId, byte[] page, Dictionary<(uint, byte), Block> blocks)
    {
        var highest = page[30];
        if (highest == byte.MaxValue)
        {
            return;
        }

        var footerStart = PageSize - ((highest + 1) * SlotSize);
        for (var index = 0; index <= highest; index++)
        {
            var lengthAddress = PageSize - ((index + 1) * SlotSize);
            var start = BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(lengthAddress + 2));
            var length = BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(lengthAddress));
            if (start < PageHeaderSize || length < BlockHeaderSize || start + length > footerStart)
            {
                continue;
            }

            var nextPage = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(start + 1));
            blocks[(pageId, (byte)index)] = new Block(page[start] != 0, nextPage, page[start + 5], page.AsSpan(start + BlockHeaderSize, length - BlockHeaderSize).ToArray());
        }
    }

    /// <summary>Follows a document's block chain and parses it; null when a block is missing or the BSON is broken.</summary>
    private static BsonDocument? Assemble((uint, byte) address, Block first, Dictionary<(uint, byte), Block> blocks)
    {
        using var bytes = new MemoryStream();
        var visited = new HashSet<(uint, byte)> { address };
        var block = first;
        bytes.Write(block.Data);
        while (block.NextPage != uint.MaxValue)
        {
            var next = (block.NextPage, block.NextIndex);
            if (!visited.Add(next) || visited.Count > MaxBlocksPerDocument || !blocks.TryGetValue(next, out var following) || !following.Extend)
            {
                return null;
            }

            block = following;
            bytes.Write(block.Data);
        }

        var buffer = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        if (buffer.Length < 5)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        if (length < 5 || length > buffer.Length)
        {
            return null;
        }

        try
        {
            var doc = BsonSerializer.Deserialize(buffer[..length].ToArray());
            return doc.ContainsKey("_id") ? doc : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Broken BSON: this document is lost, counted by the caller.
            return null;
        }
    }

    private static bool TryCheckBatch(BsonDocument doc, byte[] payload, string gatewayId, out int count, out ulong epoch, out long highestAlias)
    {
        count = 0;
        epoch = 0;
        highestAlias = 0;
        try
        {
            if (!BatchCodec.TryParseEnvelope(payload, out var batch, out _) || !BatchCodec.TryDecodeBody(batch, out var readings, out _)
                || !string.Equals(batch.GatewayId, gatewayId, StringComparison.Ordinal) || (long)batch.Seq != doc["_id"].AsInt64
                || doc["size"].AsInt32 != payload.Length || !doc["kind"].IsNumber || !doc["created"].IsNumber)
            {
                return false;
            }

            var flat = BatchCodec.Flatten(readings);
            count = flat.Count;
            epoch = batch.Epoch;
            highestAlias = flat.Count == 0 ? 0 : flat.Max(r => (long)r.Alias);
            return doc["count"].AsInt32 == count;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }
}
