import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadClassifier, loadCommittedClassifier } from '../../../core/routing/classifier.js';
import type { RoutingClassifier } from '../../../core/routing/classifier.js';
import { isPreSegmented, tokenize } from '../../../core/routing/text-features.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

// The categories follow the hotline's taxonomy: city buses (公共汽车) belong to 城乡建设, while
// 交通运输 covers taxis, coaches, freight, roads and post.
const clearMessages = [
  { topic: 'a school charging for holiday classes', category: '教育文体', text: '孩子就读的小学暑假强制组织学生补课，每人收取两千元补课费，请教育局查处。' },
  { topic: 'a factory polluting air and river', category: '环境保护', text: '村旁边的化工厂每天晚上偷偷排放废气，气味刺鼻，河水也被污染了，请环保局来查一查。' },
  { topic: 'a taxi driver overcharging', category: '交通运输', text: '出租车司机拒载还乱收费，绕路多收了二十元车费，请运管部门处理。' },
  { topic: 'a bus route with too few buses', category: '城乡建设', text: '建议优化12路公交车线路，增加早晚高峰班次，现在等车要半个小时。' },
  { topic: 'unpaid wages and social insurance', category: '劳动和社会保障', text: '公司拖欠我们工资已经半年了，也没有给员工缴纳社保，请劳动局帮忙讨薪。' },
  { topic: 'a hospital with long queues', category: '卫生计生', text: '医院的医生态度很差，看病排队要三个小时，还乱开药收费，卫健委要管一管。' },
  { topic: 'expired food in a supermarket', category: '商贸旅游', text: '在超市买到过期食品，商家拒绝退货，还态度恶劣，请市场监管部门处理。' },
];

interface CommandRun {
  readonly status: number | null;
  readonly lines: unknown[];
  readonly stderr: string;
}

function runClassifyCommand(input: string): CommandRun {
  const run = spawnSync('npx', ['tsx', 'scripts/routing/classify.ts'], { cwd: projectRoot, input, encoding: 'utf8', timeout: 60_000 });
  const lines = run.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
  return { status: run.status, lines, stderr: run.stderr };
}

describe('routing classifier', () => {
  let classifier: RoutingClassifier;

  before(async () => {
    classifier = await loadCommittedClassifier();
  });

  for (const { topic, category, text } of clearMessages) {
    it(`when a raw message is about ${topic}, then it is routed to ${category}`, () => {
      assert.equal(classifier.classify(text).category, category);
    });
  }

  it('when the same message comes as space-separated tokens, then it gets the same category', () => {
    for (const { text, category } of clearMessages) {
      const segmented = tokenize(text).join(' ');
      assert.ok(isPreSegmented(segmented), segmented);
      assert.equal(classifier.classify(segmented).category, category, segmented);
    }
  });

  it('when a message is classified, then confidence is a probability and top3 holds three distinct categories, best first', () => {
    for (const { text } of clearMessages) {
      const result = classifier.classify(text);
      const categories = result.top3.map((candidate) => candidate.category);
      assert.equal(new Set(categories).size, 3);
      assert.equal(categories[0], result.category);
      assert.equal(result.top3[0]?.confidence, result.confidence);
      for (const { confidence } of result.top3) assert.ok(confidence >= 0 && confidence <= 1, String(confidence));
      assert.ok(result.top3.every((candidate, i) => i === 0 || candidate.confidence <= (result.top3[i - 1]?.confidence ?? 1)));
      assert.ok(result.top3.reduce((sum, candidate) => sum + candidate.confidence, 0) <= 1 + 1e-9);
    }
  });

  it('when text has no known word, then it still gets a category with a low confidence', () => {
    const result = classifier.classify('');
    assert.ok(classifier.labels.includes(result.category));
    assert.ok(result.confidence < 0.9, String(result.confidence));
  });

  it('when raw text has punctuation or long runs, then it is not taken for segmented text', () => {
    assert.equal(isPreSegmented('公交车不停站，司机态度差'), false);
    assert.equal(isPreSegmented('我家门口的路灯坏了好几个月 一直没有人来修理'), false);
    assert.equal(isPreSegmented('路灯 坏 几个 月 一直 没有 人 修理'), true);
  });

  it('when the artifact is of another version, then loading it fails', () => {
    assert.throws(() => loadClassifier({ version: 999 }), /version 999/u);
  });

  describe('classify command', () => {
    it('when lines are good and one is malformed, then every good line is answered and the malformed one is reported with its number', () => {
      const input = [
        JSON.stringify({ id: 'a', text: clearMessages[0]?.text }),
        '{"id": "broken", "text": ',
        JSON.stringify({ id: 'b', text: '村 化工厂 排放 废气 河水 污染' }),
        JSON.stringify({ id: 'c' }),
        JSON.stringify({ id: 'd', text: clearMessages[2]?.text }),
      ].join('\n');
      const run = runClassifyCommand(`${input}\n`);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /line 2: not valid JSON/u);
      assert.match(run.stderr, /line 4: "text" must be a string/u);
      assert.deepEqual(
        run.lines.map((line) => {
          const { id, category } = line as { id: string; category: string };
          return [id, category];
        }),
        [['a', '教育文体'], ['b', '环境保护'], ['d', '交通运输']],
      );
      for (const line of run.lines) {
        const { confidence, top3 } = line as { confidence: number; top3: string[] };
        assert.ok(confidence >= 0 && confidence <= 1);
        assert.equal(top3.length, 3);
        assert.equal(new Set(top3).size, 3);
      }
    });

    it('when every line is good, then it exits with 0 and prints one line per message', () => {
      const input = clearMessages.map(({ text }, i) => JSON.stringify({ id: String(i), text })).join('\n');
      const run = runClassifyCommand(input);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(
        run.lines.map((line) => (line as { category: string }).category),
        clearMessages.map(({ category }) => category),
      );
    });
  });
});
