// The rollback drill. Until the scenarios land it prints its plan and the services it found.
import { detectService, type ServiceName } from '@rollback-kit/testing'

const plan = [
  'start disposable services (PostgreSQL always; Docker and the Kubernetes simulator when available)',
  'create the logistics database (users, orders, inventory_items) and take snapshots',
  'ship a bad release: a destructive migration, an unhealthy image, a rollout that never gets ready',
  'detect it through verification',
  'run the composed rollback procedure',
  'verify again and write the report (Markdown, JSON, JUnit)',
]

console.log('rollback-kit drill: plan')
plan.forEach((line, index) => console.log(`  ${index + 1}. ${line}`))
console.log('services:')
for (const service of ['postgres', 'docker', 'kubectl'] satisfies ServiceName[]) {
  const status = await detectService(service)
  console.log(`  ${service}: ${status.available ? 'available' : 'missing'} (${status.detail})`)
}
